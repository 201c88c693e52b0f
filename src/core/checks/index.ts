import type { Check } from "./check.js";
import { adminUserCheck } from "./admin-user.js";
import { aksPullCheck } from "./aks-pull.js";
import { credentialCheck } from "./credential.js";
import { dataPlaneAccessCheck } from "./data-plane-access.js";
import { dockerConfigCheck } from "./docker-config.js";
import { imagesCheck } from "./images.js";
import { networkRulesCheck } from "./network-rules.js";
import { policyComplianceCheck } from "./policy-compliance.js";
import { reachabilityCheck } from "./reachability.js";
import { registryCheck } from "./registry.js";
import { registryPoliciesCheck } from "./registry-policies.js";
import { replicationHealthCheck } from "./replication-health.js";
import { repositoryTokenCheck } from "./repository-token.js";
import { roleScopeCheck } from "./role-scope.js";
import { serviceTagsCheck } from "./service-tags.js";
import { skuLimitsCheck } from "./sku-limits.js";
import { spSecretExpiryCheck } from "./sp-secret-expiry.js";
import { storageHeadroomCheck } from "./storage-headroom.js";
import { tokenLifetimeCheck } from "./token-lifetime.js";

/** Every check this version implements, in report order. Add one line per check. */
export const IMPLEMENTED_CHECKS: readonly Check[] = [
  credentialCheck,
  registryCheck,
  spSecretExpiryCheck,
  tokenLifetimeCheck,
  reachabilityCheck,
  networkRulesCheck,
  serviceTagsCheck,
  roleScopeCheck,
  dataPlaneAccessCheck,
  storageHeadroomCheck,
  adminUserCheck,
  skuLimitsCheck,
  replicationHealthCheck,
  imagesCheck,
  repositoryTokenCheck,
  policyComplianceCheck,
  registryPoliciesCheck,
  aksPullCheck,
  dockerConfigCheck,
];
