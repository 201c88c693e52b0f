/**
 * The tiny subset of KQL the tool sends to Resource Graph:
 * `resources | where <field> =~ '<v>' [and …] | project a, b | order by f [asc|desc] | limit n`.
 * Anything else is a parse failure, so an unexpected query shows up in the test instead of silently matching.
 */
export type Row = Record<string, unknown>;

export function queryResourceGraph(query: string, rows: Row[]): { rows: Row[] } | { error: string } {
  const [source, ...stages] = query.split("|").map((s) => s.trim());
  if (source?.toLowerCase() !== "resources") return { error: `unsupported table '${source ?? ""}'` };
  let result = rows;
  for (const stage of stages) {
    const where = /^where\s+(.+)$/i.exec(stage);
    const project = /^project\s+(.+)$/i.exec(stage);
    const order = /^(?:order|sort)\s+by\s+([\w.]+)(?:\s+(asc|desc))?$/i.exec(stage);
    const limit = /^(?:limit|take)\s+(\d+)$/i.exec(stage);
    if (where) {
      const conditions = where[1]!.split(/\s+and\s+/i).map(parseCondition);
      const bad = conditions.find((c) => "error" in c);
      if (bad && "error" in bad) return bad;
      result = result.filter((row) => conditions.every((c) => "test" in c && c.test(row)));
    } else if (project) {
      const fields = project[1]!.split(",").map((f) => f.trim());
      result = result.map((row) =>
        Object.fromEntries(fields.map((f) => [f.split(".").pop()!, fieldOf(row, f)])),
      );
    } else if (order) {
      const [, field, direction] = order;
      const sign = direction?.toLowerCase() === "asc" ? 1 : -1; // KQL sorts descending by default
      result = [...result].sort(
        (a, b) => sign * String(fieldOf(a, field!)).localeCompare(String(fieldOf(b, field!))),
      );
    } else if (limit) {
      result = result.slice(0, Number(limit[1]));
    } else {
      return { error: `unsupported query stage '${stage}'` };
    }
  }
  return { rows: result };
}

function parseCondition(text: string): { test: (row: Row) => boolean } | { error: string } {
  const match = /^([\w.]+)\s*(=~|==|!~|!=|contains)\s*'((?:[^']|'')*)'$/i.exec(text.trim());
  if (!match) return { error: `unsupported condition '${text}'` };
  const [, field, operator, literal] = match;
  const expected = literal!.replace(/''/g, "'");
  return {
    test: (row) => {
      const actual = String(fieldOf(row, field!) ?? "");
      switch (operator!.toLowerCase()) {
        case "==":
          return actual === expected;
        case "!=":
          return actual !== expected;
        case "!~":
          return actual.toLowerCase() !== expected.toLowerCase();
        case "contains":
          return actual.toLowerCase().includes(expected.toLowerCase());
        default:
          return actual.toLowerCase() === expected.toLowerCase();
      }
    },
  };
}

function fieldOf(row: Row, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => {
    if (typeof value !== "object" || value === null) return undefined;
    const entry = Object.entries(value).find(([k]) => k.toLowerCase() === key.toLowerCase());
    return entry?.[1];
  }, row);
}
