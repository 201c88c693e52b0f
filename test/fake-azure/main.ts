import { parseArgs } from "node:util";
import { startFakeAzure } from "./index.js";

/** `npm run fake -- --scenario broken`: serve a scenario until killed and print the environment to use it. */
const { values } = parseArgs({ options: { scenario: { type: "string", default: "healthy" } } });
const fake = await startFakeAzure({ scenario: values.scenario! });
const principal = fake.scenario.principals[0];
const secret = principal?.secrets?.[0]?.value;
const env = {
  ...fake.env(),
  ...(principal && secret
    ? {
        AZURE_TENANT_ID: fake.scenario.tenantId,
        AZURE_CLIENT_ID: principal.clientId,
        AZURE_CLIENT_SECRET: secret,
      }
    : {}),
};
console.log(`# fake Azure '${values.scenario}' on 127.0.0.1:${fake.port}: ${fake.scenario.description}`);
console.log("# paste into a shell, then run the CLI (Ctrl-C here stops the fake):");
for (const [key, value] of Object.entries(env))
  console.log(`export ${key}='${value.replace(/'/g, "'\\''")}'`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
