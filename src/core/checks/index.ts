import type { Check } from "./check.js";
import { adminUserCheck } from "./admin-user.js";
import { roleScopeCheck } from "./role-scope.js";
import { spSecretExpiryCheck } from "./sp-secret-expiry.js";
import { storageHeadroomCheck } from "./storage-headroom.js";
import { tokenLifetimeCheck } from "./token-lifetime.js";

/** Every check this version implements, in report order. Add one line per check. */
export const IMPLEMENTED_CHECKS: readonly Check[] = [spSecretExpiryCheck, tokenLifetimeCheck, roleScopeCheck, storageHeadroomCheck, adminUserCheck];
