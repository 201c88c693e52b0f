import type { Annotation } from "../../src/core/report/annotations.js";
import type { CheckReport, Finding, Report, Severity } from "../../src/core/report/types.js";

const SUBSCRIPTION = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-platform";

function finding(
  code: string,
  severity: Finding["severity"],
  message: string,
  extra: Partial<Finding> = {},
): Finding {
  return { code, severity, message, remediation: [], evidence: {}, ...extra };
}

function check(id: string, status: CheckReport["status"], title: string, findings: Finding[]): CheckReport {
  return { id, status, title, durationMs: 37, findings };
}

/**
 * A realistic two-registry preflight: a firewall block and two missing images on `myreg`, the admin
 * user enabled and an unreadable RBAC on `teamreg`, and a run-wide secret that expires soon.
 */
export function sampleReport(): Report {
  const credential = check("credential", "pass", "An Entra token was obtained", [
    finding("CREDENTIAL_OK", "notice", "Signed in as app 0a1b2c3d-0000-4000-8000-00000000aaaa with OIDC.", {
      evidence: { tenantId: "72f988bf-0000-4000-8000-000000000001", authType: "oidc" },
    }),
  ]);
  const secretExpiry = check("sp-secret-expiry", "warning", "The secret in use expires soon", [
    finding(
      "SECRET_EXPIRES_SOON",
      "warning",
      "The client secret 'ci-deploy' (hint Abc) expires on 2026-12-05, within the 30-day warning window.",
      {
        remediation: [
          "az ad app credential reset --id 0a1b2c3d-0000-4000-8000-00000000aaaa --append --display-name ci-deploy-2027 --years 1",
        ],
        docs: "https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal",
        evidence: { hint: "Abc", endDateTime: "2026-12-05T00:00:00Z", daysLeft: 11 },
      },
    ),
  ]);
  const storageOk = check("storage-headroom", "pass", "storage-headroom: passed", []);

  return {
    schemaVersion: 1,
    tool: { name: "acr-preflight", version: "1.0.0" },
    mode: "preflight",
    startedAt: "2026-11-24T10:00:00.000Z",
    durationMs: 812,
    result: "error",
    context: {
      surface: "github",
      runnerKind: "github-hosted",
      runnerIp: "20.61.1.2",
      principal: {
        objectId: "9f8e7d6c-0000-4000-8000-00000000bbbb",
        appId: "0a1b2c3d-0000-4000-8000-00000000aaaa",
        tenantId: "72f988bf-0000-4000-8000-000000000001",
        type: "ServicePrincipal",
        authType: "oidc",
      },
      operations: ["pull", "push"],
      jobDurationMinutes: 90,
    },
    registries: [
      {
        name: "myreg",
        loginServer: "myreg.azurecr.io",
        resourceId: `${SUBSCRIPTION}/providers/Microsoft.ContainerRegistry/registries/myreg`,
        result: "error",
        checks: [
          credential,
          secretExpiry,
          check("network-rules", "error", "Runner IP is not allowed by the registry firewall", [
            finding(
              "RUNNER_IP_BLOCKED",
              "error",
              "The registry firewall denies by default and no IP rule covers the runner's address 20.61.1.2.",
              {
                remediation: [
                  "az acr network-rule add --name myreg --ip-address 20.61.1.2/32",
                  "Or run the job on a self-hosted runner inside an allowed network.",
                ],
                docs: "https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks",
                evidence: { runnerIp: "20.61.1.2", defaultAction: "Deny", ipRules: ["52.1.2.0/24"] },
              },
            ),
          ]),
          check("images", "error", "An image the job deploys does not exist", [
            finding(
              "IMAGE_NOT_FOUND",
              "error",
              "team/api:v1.4.2 does not exist; the nearest tags are v1.4.1, v1.4.0.",
              {
                remediation: [
                  "az acr repository show-tags --name myreg --repository team/api --orderby time_desc --top 10",
                ],
                evidence: { image: "team/api:v1.4.2", nearestTags: ["v1.4.1", "v1.4.0"] },
              },
            ),
            finding(
              "IMAGE_NOT_FOUND",
              "error",
              "team/web:v2.0.0 does not exist; the nearest tag is v1.9.9.",
              {
                remediation: [
                  "az acr repository show-tags --name myreg --repository team/web --orderby time_desc --top 10",
                ],
                evidence: { image: "team/web:v2.0.0", nearestTags: ["v1.9.9"] },
              },
            ),
          ]),
          storageOk,
        ],
      },
      {
        name: "teamreg",
        loginServer: "teamreg.azurecr.io",
        resourceId: `${SUBSCRIPTION}/providers/Microsoft.ContainerRegistry/registries/teamreg`,
        result: "warning",
        checks: [
          credential,
          secretExpiry,
          check("role-scope", "skipped", "Skipped: the identity may not read what this check needs", [
            finding(
              "PERMISSION_MISSING",
              "notice",
              "The identity may not read role assignments on teamreg (Microsoft.Authorization/roleAssignments/read).",
              {
                remediation: [
                  `az role assignment create --assignee 0a1b2c3d-0000-4000-8000-00000000aaaa --role Reader --scope ${SUBSCRIPTION}/providers/Microsoft.ContainerRegistry/registries/teamreg`,
                ],
                evidence: { status: 403 },
              },
            ),
          ]),
          check("admin-user", "warning", "The admin user is enabled", [
            finding(
              "ADMIN_USER_ENABLED",
              "warning",
              "teamreg has its admin user enabled: one shared password with full push rights.",
              {
                remediation: ["az acr update -n teamreg --admin-enabled false"],
                evidence: { adminUserEnabled: true, loginMethod: "az-acr-login" },
              },
            ),
          ]),
          storageOk,
        ],
      },
    ],
  };
}

/** `count` numbered annotations of one severity from `check`, as annotationsOf gives them. */
export function sampleAnnotations(severity: Severity, count: number, check = "images"): Annotation[] {
  return Array.from({ length: count }, (_, i) => ({
    severity,
    title: `${check}: finding ${i + 1}`,
    message: `message ${i + 1}`,
    registry: "contosoacr",
    check,
    code: `CODE_${i + 1}`,
  }));
}
