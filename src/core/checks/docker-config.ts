import { access, readFile } from "node:fs/promises";
import { constants } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jwtExpiry } from "../azure/jwt.js";
import { loginServerFact } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const DOCS = "https://docs.docker.com/reference/cli/docker/login/#credential-stores";
/** The user name `az acr login` stores: the password is then an ACR refresh token (acr-facts §1.1). */
const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

const CODES = defineCodes({
  DOCKER_CONFIG_OK: {
    severity: "notice",
    title: "Docker's configuration leaves the registry login to the job",
    fix: "Nothing to fix.",
  },
  CREDENTIAL_HELPER_OVERRIDES_LOGIN: {
    severity: "warning",
    title: "A credential helper answers for this registry instead of the job's login",
    fix: "Remove the registry's `credHelpers` entry, or make sure that helper returns this identity's credentials.",
    docs: DOCS,
  },
  CREDENTIAL_HELPER_MISSING: {
    severity: "error",
    title: "Docker is configured with a credential helper that is not installed",
    fix: "Install the helper or remove it from the Docker configuration; `docker login` fails until then.",
    docs: DOCS,
  },
  STALE_REGISTRY_LOGIN: {
    severity: "warning",
    title: "Docker holds an expired login for this registry",
    fix: "Run the job's login step (`az acr login`, `docker/login-action`) before the first push or pull.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-authentication",
  },
});

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `docker-config`: the runner's Docker client configuration for this registry. */
export const dockerConfigCheck: Check = {
  id: "docker-config",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: ["None: reads the runner's Docker configuration file"],
  async run(ctx) {
    const dir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");
    const file = path.join(dir, "config.json");
    const config = await readDockerConfig(file);
    const loginServer = await ctx.get(loginServerFact);
    const evidence: Record<string, unknown> = { file, loginServer, credsStore: config.credsStore ?? "none" };
    const helper = config.credHelpers?.[loginServer];
    const findings: Finding[] = [];
    if (helper) {
      findings.push(
        await helperFinding(
          helper,
          `credHelpers["${loginServer}"]`,
          { ...evidence, credHelper: helper },
          true,
        ),
      );
    } else if (config.credsStore) {
      const missing = await helperFinding(config.credsStore, "credsStore", evidence, false);
      if (missing.severity === "error") findings.push(missing);
    }
    const stale = staleLogin(ctx, config, loginServer, evidence);
    if (stale) findings.push(stale);
    if (findings.length === 0) {
      findings.push(
        CODES.DOCKER_CONFIG_OK.finding({
          message: `Nothing in ${file} overrides or pre-empts the job's login to ${loginServer}.`,
          evidence,
        }),
      );
    }
    return { findings };
  },
};

async function readDockerConfig(file: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    throw new SkipCheck("prerequisite", `${file} is not valid JSON, so Docker itself will fail to read it.`, [
      `Fix or remove ${file}`,
    ]);
  }
}

async function helperFinding(
  helper: string,
  where: string,
  evidence: Record<string, unknown>,
  overridesLogin: boolean,
): Promise<Finding> {
  const binary = `docker-credential-${helper}`;
  if (!(await onPath(binary))) {
    return CODES.CREDENTIAL_HELPER_MISSING.finding({
      message: `Docker's ${where} names the helper '${helper}', but ${binary} is not on PATH: \`docker login\` and pulls fail with "executable file not found".`,
      remediation: [`Install ${binary}, or remove ${where} from the Docker configuration`],
      evidence: { ...evidence, helper, onPath: false },
    });
  }
  return CODES.CREDENTIAL_HELPER_OVERRIDES_LOGIN.finding({
    message: `Docker's ${where} sends this registry's credentials through '${helper}', so the job's own login is ${overridesLogin ? "ignored unless that helper returns it" : "stored there"}.`,
    remediation: [`Remove ${where} from the Docker configuration if the job logs in itself`],
    evidence: { ...evidence, helper, onPath: true },
  });
}

function staleLogin(
  ctx: RegistryContext,
  config: DockerConfig,
  loginServer: string,
  evidence: Record<string, unknown>,
): Finding | undefined {
  const entry = config.auths?.[loginServer] ?? config.auths?.[`https://${loginServer}`];
  if (!entry?.auth) return undefined;
  const [user, password] = Buffer.from(entry.auth, "base64").toString("utf8").split(/:(.*)/s);
  if (user !== ACR_TOKEN_USER || !password) return undefined;
  ctx.deps.mask(password);
  const expiresOn = jwtExpiry(password);
  if (!expiresOn || expiresOn > ctx.now()) return undefined;
  return CODES.STALE_REGISTRY_LOGIN.finding({
    message: `Docker holds an ACR token for ${loginServer} that expired at ${expiresOn.toISOString()}; any step that pulls or pushes before a new login gets 401 unauthorized.`,
    remediation: [`az acr login --name ${ctx.registry.name}`],
    evidence: { ...evidence, storedLoginExpiredAt: expiresOn.toISOString() },
  });
}

async function onPath(binary: string): Promise<boolean> {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const names = process.platform === "win32" ? [`${binary}.exe`, `${binary}.cmd`] : [binary];
  for (const dir of dirs) {
    for (const name of names) {
      if (
        await access(path.join(dir, name), constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return true;
    }
  }
  return false;
}
