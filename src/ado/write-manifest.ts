import { writeFile } from "node:fs/promises";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { taskManifest } from "./manifest.js";

// `npm run build:ado` step: ado-task/task.json is generated, never edited by hand.
const target = path.resolve(import.meta.dirname, "../../ado-task/task.json");
const options = { ...(await resolveConfig(target)), filepath: target };
await writeFile(target, await format(JSON.stringify(taskManifest()), options));
console.log(`wrote ${path.relative(process.cwd(), target)}`);
