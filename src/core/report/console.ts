import type { Report } from "./types.js";

// Minimal stand-in written by CONFIG-CLI until REPORTS lands the real renderer.
export function renderConsole(report: Report, _options: { color: boolean }): string {
  const lines = [`acr-preflight: ${report.result}`];
  for (const registry of report.registries) {
    lines.push(`${registry.name} (${registry.result})`);
    for (const check of registry.checks)
      lines.push(`  ${check.status.padEnd(8)} ${check.id}: ${check.title}`);
  }
  return `${lines.join("\n")}\n`;
}
