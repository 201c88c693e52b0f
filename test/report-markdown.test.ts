import { describe, expect, it } from "vitest";
import { causeChecks, reportedFindings, rootCauses } from "../src/core/report/findings.js";
import { renderMarkdown } from "../src/core/report/markdown.js";
import type { Report } from "../src/core/report/types.js";
import { sampleReport } from "./support/sample-report.js";

function tableRows(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| registry |"));
}

/** Splits a table row on unescaped pipes, the way GitHub's table parser does. */
function cellsOf(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe("renderMarkdown", () => {
  it("opens with a one-line verdict naming the counts and registries", () => {
    const markdown = renderMarkdown(sampleReport());
    expect(markdown.split("\n")[0]).toBe(
      "## ❌ ACR preflight failed: 3 errors, 2 warnings — `myreg`, `teamreg`",
    );
    expect(markdown).toContain("runner 20.61.1.2 (github-hosted)");
  });

  it("tables every check once: run-wide checks under all registries, the rest per registry", () => {
    const rows = tableRows(renderMarkdown(sampleReport())).map(cellsOf);
    expect(rows.map((cells) => cells.slice(0, 3))).toEqual([
      ["all registries", "`credential`", "✅ pass"],
      ["all registries", "`sp-secret-expiry`", "⚠️ warning"],
      ["myreg", "`network-rules`", "❌ error"],
      ["myreg", "`images`", "❌ error"],
      ["myreg", "`storage-headroom`", "✅ pass"],
      ["teamreg", "`role-scope`", "⏭️ skipped"],
      ["teamreg", "`admin-user`", "⚠️ warning"],
      ["teamreg", "`storage-headroom`", "✅ pass"],
    ]);
    expect(rows[2]![3]).toBe("Runner IP is not allowed by the registry firewall");
    expect(rows[4]![3]).toBe("");
  });

  it("details each finding with its message, commands in sh blocks, docs link and evidence", () => {
    const markdown = renderMarkdown(sampleReport());
    const section = markdown.slice(
      markdown.indexOf("`RUNNER_IP_BLOCKED`"),
      markdown.indexOf("`IMAGE_NOT_FOUND`"),
    );
    expect(section).toContain("no IP rule covers the runner's address 20.61.1.2.");
    expect(section).toContain("```sh\naz acr network-rule add --name myreg --ip-address 20.61.1.2/32\n```");
    expect(section).toContain("- Or run the job on a self-hosted runner inside an allowed network.");
    expect(section).toContain(
      "[Documentation](https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks)",
    );
    expect(section).toContain(
      '```yaml\nrunnerIp: "20.61.1.2"\ndefaultAction: "Deny"\nipRules: ["52.1.2.0/24"]\n```',
    );
    expect(markdown.match(/`IMAGE_NOT_FOUND`/g)).toHaveLength(2);
    expect(markdown.indexOf("`RUNNER_IP_BLOCKED`")).toBeLessThan(markdown.indexOf("`SECRET_EXPIRES_SOON`"));
  });

  it("groups skipped checks under their reason, apart from what to fix", () => {
    const markdown = renderMarkdown(sampleReport());
    const skipped = markdown.slice(markdown.indexOf("### ⏭️"));
    expect(skipped).toMatch(
      /^### ⏭️ Skipped: the identity may not read what this check needs\n\n- `role-scope` \(`teamreg`\): /,
    );
    expect(skipped).toContain("  ```sh\n  az role assignment create --assignee");
    expect(markdown.slice(0, markdown.indexOf("### ⏭️"))).not.toContain("PERMISSION_MISSING");
  });

  it("keeps table cells on one line with pipes escaped and HTML inert", () => {
    const report = sampleReport();
    report.registries[0]!.checks[2]!.title = "Rule a|b blocks <script>alert(1)</script>\nsecond line";
    const row = tableRows(renderMarkdown(report))[2]!;
    expect(cellsOf(row)).toHaveLength(4);
    expect(cellsOf(row)[3]).toBe("Rule a\\|b blocks &lt;script&gt;alert(1)&lt;/script&gt; second line");
  });

  it("shows placeholders in prose literally but leaves code spans and commands as written", () => {
    const report = sampleReport();
    const finding = report.registries[0]!.checks[2]!.findings[0]!;
    finding.message = "Allow <runner ip> with `az acr network-rule add --ip-address <ip>`.";
    finding.remediation = ["az role assignment create --assignee <job identity> --role AcrPush", "echo ```"];
    const markdown = renderMarkdown(report);
    expect(markdown).toContain("Allow &lt;runner ip&gt; with `az acr network-rule add --ip-address <ip>`.");
    expect(markdown).toContain(
      "````sh\naz role assignment create --assignee <job identity> --role AcrPush\necho ```\n````",
    );
  });

  it("cuts at the size limit and says what it left out", () => {
    const report = auditReport(300);
    const full = renderMarkdown(report, { maxBytes: 10 * 1024 * 1024 });
    const cut = renderMarkdown(report, { maxBytes: 64 * 1024 });
    expect(Buffer.byteLength(full)).toBeGreaterThan(64 * 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(64 * 1024);
    expect(cut).toMatch(
      /> ✂️ Summary truncated to stay under the job summary size limit: \d+ findings? not shown\./,
    );
    expect(full).not.toContain("✂️");
    expect(tableRows(cut)).toHaveLength(tableRows(full).length);
  });

  it("stays under GitHub's 1 MiB job summary limit by default, however large the audit", () => {
    const markdown = renderMarkdown(auditReport(3000));
    expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024);
    expect(markdown).toMatch(/: \d+ findings not shown\./);
    expect(markdown.split("\n")[0]).toBe(
      "## ⚠️ ACR preflight passed with warnings: 0 errors, 3000 warnings — `reg0`, `reg1`, `reg2`, 2997 more",
    );
  });

  it("says passed for a clean run and lists no findings", () => {
    const report = sampleReport();
    const clean: Report = {
      ...report,
      result: "pass",
      registries: [{ ...report.registries[0]!, result: "pass", checks: [report.registries[0]!.checks[0]!] }],
    };
    const markdown = renderMarkdown(clean);
    expect(markdown.split("\n")[0]).toBe("## ✅ ACR preflight passed — `myreg`");
    expect(markdown).not.toContain("### ");
  });
});

/** A nightly audit of `count` registries, each with its admin user enabled. */
function auditReport(count: number): Report {
  const report = sampleReport();
  const template = report.registries[1]!;
  return {
    ...report,
    mode: "audit",
    result: "warning",
    registries: Array.from({ length: count }, (_, i) => ({
      ...template,
      name: `reg${i}`,
      loginServer: `reg${i}.azurecr.io`,
      checks: template.checks.slice(3),
    })),
  };
}

/** sampleReport with the firewall block also seen by data-plane-access, and the same fix text on teamreg. */
function firewallSeenTwice(): Report {
  const report = structuredClone(sampleReport());
  const [myreg, teamreg] = report.registries;
  const blockFix = "az acr network-rule add --name myreg --ip-address 20.61.1.2/32";
  const refusal = {
    id: "data-plane-access",
    status: "error" as const,
    title: "The registry refused to exchange the Entra token",
    durationMs: 12,
    findings: [
      {
        code: "EXCHANGE_REFUSED",
        severity: "error" as const,
        message: "The registry's firewall refused the token exchange from 20.61.1.2 (403 DENIED).",
        remediation: [blockFix],
        evidence: { blockedIp: "20.61.1.2" },
      },
    ],
  };
  myreg!.checks.push(refusal);
  teamreg!.checks.push(structuredClone(refusal));
  return report;
}

describe("root causes", () => {
  it("groups findings one fix resolves on the same registry, lead first, and keeps other registries apart", () => {
    const causes = rootCauses(firewallSeenTwice());
    expect(causes.map((c) => [c.lead.registry?.name, ...causeChecks(c)])).toEqual([
      ["myreg", "network-rules", "data-plane-access"],
      ["myreg", "images"],
      ["myreg", "images"],
      ["teamreg", "data-plane-access"],
      [undefined, "sp-secret-expiry"],
      ["teamreg", "admin-user"],
    ]);
  });

  it("does not group findings whose first step is an instruction, not a command", () => {
    const report = firewallSeenTwice();
    for (const registry of report.registries)
      for (const check of registry.checks)
        for (const finding of check.findings) finding.remediation = ["Ask the registry owner."];
    const entries = reportedFindings(report).filter((f) => f.check.status !== "skipped");
    expect(rootCauses(report)).toHaveLength(entries.length);
  });

  it("opens What to fix with the numbered causes, each with its fix and the checks that saw it", () => {
    const markdown = renderMarkdown(firewallSeenTwice());
    expect(markdown).toContain("### What to fix: 6 causes\n\n");
    expect(markdown).toContain(
      "1. ❌ **Runner IP is not allowed by the registry firewall** on `myreg` — `az acr network-rule add --name myreg --ip-address 20.61.1.2/32` (`network-rules`, `data-plane-access`)\n",
    );
    expect(markdown).toContain(
      "<details><summary>Also seen by 1 other check, fixed by the same step</summary>",
    );
    expect(markdown).toContain(
      "- `data-plane-access` · `EXCHANGE_REFUSED` · error: The registry's firewall refused",
    );
    expect(markdown.match(/^#### ❌ /gm)).toHaveLength(4);
  });
});
