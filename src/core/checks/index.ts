import type { Check } from "./check.js";
import { adminUserCheck } from "./admin-user.js";
import { roleScopeCheck } from "./role-scope.js";
import { storageHeadroomCheck } from "./storage-headroom.js";

/** Every check this version implements, in report order. Add one line per check. */
export const IMPLEMENTED_CHECKS: readonly Check[] = [roleScopeCheck, storageHeadroomCheck, adminUserCheck];
