import { requireRegistry } from "../context/registry-lookup.js";
import type { Check } from "./check.js";
import { defineCodes } from "./check.js";

const DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account";

const CODES = defineCodes({
  ADMIN_USER_OK: {
    severity: "notice",
    title: "The admin account is disabled",
    fix: "Nothing to fix.",
    docs: DOCS,
  },
  ADMIN_USER_ENABLED: {
    severity: "warning",
    title: "The registry's admin account is enabled",
    fix: "Move jobs to Entra identities or repository tokens, then `az acr update -n <registry> --admin-enabled false`.",
    docs: DOCS,
  },
  ADMIN_USER_DISABLED: {
    severity: "error",
    title: "The job logs in as the admin user, but the admin account is disabled",
    fix: "Switch the job to Entra login (`az acr login`) — or, less safely, enable the admin account.",
    docs: DOCS,
  },
});

/** `admin-user`: the admin account's state against the job's `login-method`. */
export const adminUserCheck: Check = {
  id: "admin-user",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: ["`Microsoft.ContainerRegistry/registries/read` on the registry (Reader)"],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const name = registry.name;
    // ARM always returns the flag; false is also its default.
    const enabled = registry.properties.adminUserEnabled === true;
    const loginMethod = ctx.config.loginMethod;
    const evidence = { adminUserEnabled: enabled, loginMethod };
    const disable = `az acr update -n ${name} --admin-enabled false`;
    const entraLogin = `az acr login --name ${name}`;

    if (enabled && loginMethod === "admin") {
      return {
        findings: [
          CODES.ADMIN_USER_ENABLED.finding({
            message: `The job logs in to ${name} with the admin account: one shared, unscoped credential with full push and delete rights that audit logs cannot tell apart.`,
            remediation: [
              entraLogin,
              `az acr token create --registry ${name} --name <job> --scope-map _repositories_push`,
              disable,
            ],
            evidence,
          }),
        ],
      };
    }
    if (enabled) {
      return {
        findings: [
          CODES.ADMIN_USER_ENABLED.finding({
            message:
              ctx.config.mode === "audit"
                ? `${name} has its admin account enabled: anyone holding its password has full push and delete rights, and audit logs cannot tell who used it.`
                : `${name} has its admin account enabled although this job logs in with ${loginMethod}: anyone holding its password has full rights.`,
            remediation: [disable],
            evidence,
          }),
        ],
      };
    }
    if (loginMethod === "admin") {
      return {
        findings: [
          CODES.ADMIN_USER_DISABLED.finding({
            message: `The job logs in to ${name} as the admin user, but the admin account is disabled, so \`docker login\` will fail with 401.`,
            remediation: [entraLogin, `az acr update -n ${name} --admin-enabled true`],
            evidence,
          }),
        ],
      };
    }
    return {
      findings: [
        CODES.ADMIN_USER_OK.finding({ message: `${name} has its admin account disabled.`, evidence }),
      ],
    };
  },
};
