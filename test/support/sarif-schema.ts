import type { ValidateFunction } from "ajv";
import { compileSchema } from "./json-schema.js";

/**
 * The official SARIF 2.1.0 schema (test/fixtures/README.md), with its two known defects repaired:
 * the `language` patterns start with the inline flag `(?i)`, which JavaScript regular expressions
 * lack (dropping it only makes them stricter), and region's `anyOf` sits inside `properties`, where
 * a schema validator rejects it (moved up to `region`, where it was meant to apply).
 */
export function sarifValidator(): ValidateFunction {
  return compileSchema("test/fixtures/sarif-schema-2.1.0.json", (schema) => {
    const definitions = schema.definitions as Record<
      string,
      { properties: Record<string, unknown>; anyOf?: unknown }
    >;
    const region = definitions.region!;
    region.anyOf = region.properties.anyOf;
    delete region.properties.anyOf;
    dropInlineFlags(schema);
  });
}

function dropInlineFlags(node: unknown): void {
  if (typeof node !== "object" || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.pattern === "string") record.pattern = record.pattern.replace("(?i)", "");
  Object.values(record).forEach(dropInlineFlags);
}
