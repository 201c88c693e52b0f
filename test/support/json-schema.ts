import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { REPO_ROOT } from "./cli.js";

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Compiles a JSON Schema 2020-12 file of the repository with every standard format checked. */
export function compileSchema(
  relativePath: string,
  adjust: (schema: Record<string, unknown>) => void = () => {},
): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, relativePath), "utf8")) as Record<
    string,
    unknown
  >;
  adjust(schema);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}
