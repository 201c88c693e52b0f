/**
 * Writes the third-party notices of a bundle: every npm package esbuild pulls into the entry
 * point, with its version, license and license text. `npm run build:bundles` writes
 * dist/licenses.txt (the action) and ado-task/dist/licenses.txt (the task).
 * Usage: tsx scripts/licenses.ts <entry.ts> <out.txt> [esm|cjs]
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const [entry, out, format = "esm"] = process.argv.slice(2);
if (!entry || !out || (format !== "esm" && format !== "cjs"))
  throw new Error("usage: tsx scripts/licenses.ts <entry.ts> <out.txt> [esm|cjs]");

const { metafile } = await build({
  entryPoints: [entry],
  bundle: true,
  platform: "node",
  format,
  write: false,
  metafile: true,
  logLevel: "silent",
});

/** node_modules/@scope/name/lib/x.js → node_modules/@scope/name (the innermost package). */
function packageRoot(file: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}

async function licenseText(root: string): Promise<string> {
  const names = await readdir(root);
  const file = names.find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  return file ? (await readFile(path.join(root, file), "utf8")).trim() : "(no license file in the package)";
}

const roots = [
  ...new Set(
    Object.keys(metafile.inputs)
      .map(packageRoot)
      .filter((r) => r !== undefined),
  ),
];
const notices = await Promise.all(
  roots.map(async (root) => {
    const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
      name: string;
      version: string;
      license?: string;
    };
    return `${pkg.name}@${pkg.version}\n${pkg.license ?? "UNKNOWN"}\n${await licenseText(root)}`;
  }),
);
const unique = [...new Set(notices)].sort();
await writeFile(out, `${unique.join("\n\n---\n\n")}\n`);
console.log(`wrote ${out}: ${unique.length} packages`);
