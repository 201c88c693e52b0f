import { describe, expect, it } from "vitest";
import { actionMatches, permits, REQUIRED_PERMISSION } from "../../src/core/rbac/access.js";
import { parseCondition } from "../../src/core/rbac/condition.js";
import { grantCommands, repositoryCondition, rolesFor } from "../../src/core/rbac/grant-commands.js";
import { builtInRoleNamed } from "../../src/core/rbac/roles.js";

const READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const WRITE = "Microsoft.ContainerRegistry/registries/repositories/content/write";

// The documented shape (container-registry-rbac-abac-repository-permissions), line breaks included.
const DOCUMENTED = `(
 (
  !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})
  AND
  !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})
 )
 OR
 (
  @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'backend/'
  OR
  @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'tools/cli'
 )
)`;

function evaluate(text: string, action: string, repository: string): boolean {
  const parsed = parseCondition(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.evaluate({ action, repository });
}

describe("ABAC conditions", () => {
  it("allows the named repositories and prefixes, case-insensitively", () => {
    expect(evaluate(DOCUMENTED, READ, "backend/api")).toBe(true);
    expect(evaluate(DOCUMENTED, READ, "Backend/API")).toBe(true);
    expect(evaluate(DOCUMENTED, READ, "TOOLS/CLI")).toBe(true);
    expect(evaluate(DOCUMENTED, READ, "frontend/web")).toBe(false);
    expect(evaluate(DOCUMENTED, READ, "tools/cli-extra")).toBe(false);
  });

  it("leaves actions the condition does not name unrestricted", () => {
    expect(evaluate(DOCUMENTED, WRITE, "frontend/web")).toBe(true);
  });

  it("honours case-sensitive operators, negation, && / || and value sets", () => {
    const attr = "@Resource[Microsoft.ContainerRegistry/registries/repositories:name]";
    expect(evaluate(`${attr} StringEquals 'App'`, READ, "app")).toBe(false);
    expect(evaluate(`NOT ${attr} StringStartsWith 'secret/'`, READ, "secret/x")).toBe(false);
    expect(
      evaluate(`${attr} StringLike 'team-*/api' && ${attr} StringNotEquals 'team-b/api'`, READ, "team-a/api"),
    ).toBe(true);
    expect(
      evaluate(`${attr} StringLike 'team-*/api' && ${attr} StringNotEquals 'team-b/api'`, READ, "team-b/api"),
    ).toBe(false);
    expect(evaluate(`${attr} ForAnyOfAnyValues:StringEqualsIgnoreCase {'a', 'b'}`, READ, "B")).toBe(true);
    expect(evaluate(`${attr} ForAnyOfAnyValues:StringEqualsIgnoreCase {'a', 'b'}`, READ, "c")).toBe(false);
    expect(evaluate(`!(ActionMatches{'*/content/*'}) || ${attr} StringEquals 'x'`, WRITE, "y")).toBe(false);
  });

  it("binds AND tighter than OR", () => {
    const attr = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]";
    expect(
      evaluate(
        `${attr} StringEquals 'a' OR ${attr} StringEquals 'b' AND ${attr} StringEquals 'c'`,
        READ,
        "a",
      ),
    ).toBe(true);
  });

  it("reports what it does not understand instead of guessing", () => {
    const tag = parseCondition(
      `@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'`,
    );
    expect(tag).toEqual({ ok: false, error: expect.stringContaining("attribute") });
    const operator = parseCondition(
      `@Request[Microsoft.ContainerRegistry/registries/repositories:name] NumericEquals '1'`,
    );
    expect(operator).toEqual({ ok: false, error: expect.stringContaining("NumericEquals") });
    expect(parseCondition("((ActionMatches{'x'})").ok).toBe(false);
    expect(parseCondition("ActionMatches{'x'} 'dangling'").ok).toBe(false);
  });
});

describe("permissions", () => {
  it("applies wildcards and notActions the way ARM does", () => {
    expect(actionMatches("*/read", "Microsoft.ContainerRegistry/registries/pull/read")).toBe(true);
    expect(
      actionMatches("Microsoft.ContainerRegistry/*", "microsoft.containerregistry/registries/push/write"),
    ).toBe(true);
    const contributor = builtInRoleNamed("Contributor").permissions;
    expect(permits(contributor, REQUIRED_PERMISSION.legacy.push)).toBe(true);
    expect(
      permits(contributor, { kind: "action", name: "Microsoft.Authorization/roleAssignments/write" }),
    ).toBe(false);
  });

  it("distinguishes legacy and ABAC modes", () => {
    const acrPush = builtInRoleNamed("AcrPush").permissions;
    const writer = builtInRoleNamed("Container Registry Repository Writer").permissions;
    const reader = builtInRoleNamed("Reader").permissions;
    expect(permits(acrPush, REQUIRED_PERMISSION.legacy.push)).toBe(true);
    expect(permits(acrPush, REQUIRED_PERMISSION.abac.push)).toBe(false);
    expect(permits(writer, REQUIRED_PERMISSION.abac.push)).toBe(true);
    expect(permits(writer, REQUIRED_PERMISSION.legacy.pull)).toBe(false);
    expect(permits(reader, REQUIRED_PERMISSION.legacy.pull)).toBe(true);
    expect(permits(reader, REQUIRED_PERMISSION.abac.pull)).toBe(false);
  });
});

describe("grant commands", () => {
  it("picks the least role per mode", () => {
    expect(rolesFor("legacy", ["pull"])).toEqual(["AcrPull"]);
    expect(rolesFor("legacy", ["pull", "push"])).toEqual(["AcrPush"]);
    expect(rolesFor("legacy", ["push", "delete"])).toEqual(["AcrPush", "AcrDelete"]);
    expect(rolesFor("abac", ["pull", "push"])).toEqual(["Container Registry Repository Writer"]);
    expect(rolesFor("abac", ["delete"])).toEqual(["Container Registry Repository Contributor"]);
  });

  it("writes an ABAC condition that grants exactly the named repositories", () => {
    const [command] = grantCommands({
      mode: "abac",
      operations: ["push"],
      assignee: "app-id",
      registryId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/reg",
      repositories: ["team/api"],
    });
    expect(command).toContain('--role "Container Registry Repository Writer"');
    expect(command).toContain("--condition-version 2.0");
    const condition = repositoryCondition("Container Registry Repository Writer", ["team/api", "team/web"]);
    expect(evaluate(condition, WRITE, "team/api")).toBe(true);
    expect(evaluate(condition, WRITE, "team/web")).toBe(true);
    expect(evaluate(condition, WRITE, "other")).toBe(false);
    expect(evaluate(condition, READ, "other")).toBe(false);
  });
});
