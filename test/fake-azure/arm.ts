import {
  aksClusterRows,
  aksResourceGroups,
  getAksCluster,
  privateDnsZoneGroups,
  virtualNetworkLinks,
} from "./aks.js";
import { checkBearer } from "./bearer.js";
import { queryResourceGraph } from "./resource-graph.js";
import { scopeCovers } from "./rbac.js";
import { BUILT_IN_ROLES, findRole, type RoleDefinition } from "./roles.js";
import type { Registry, RoleAssignment } from "./scenario.js";
import type { FakeRequest, FakeResponse } from "./server.js";
import { ARM_AUDIENCES, type World } from "./world.js";

const ACR_PROVIDER = "Microsoft.ContainerRegistry/registries";
const GIB = 1024 ** 3;

/** Per-SKU limits listUsages reports (acr-facts §3.1, §3.3). `Size` is the included storage. */
const SKU_USAGE_LIMITS: Record<Registry["sku"], Record<string, number>> = {
  Basic: {
    Size: 10 * GIB,
    Webhooks: 2,
    "Geo-replications": -1,
    IPRules: 0,
    VNetRules: 0,
    PrivateEndpointConnections: 0,
    ScopeMaps: 100,
    Tokens: 100,
  },
  Standard: {
    Size: 100 * GIB,
    Webhooks: 10,
    "Geo-replications": -1,
    IPRules: 0,
    VNetRules: 0,
    PrivateEndpointConnections: 0,
    ScopeMaps: 500,
    Tokens: 500,
  },
  Premium: {
    Size: 500 * GIB,
    Webhooks: 500,
    "Geo-replications": -1,
    IPRules: 200,
    VNetRules: 100,
    PrivateEndpointConnections: 200,
    ScopeMaps: 50000,
    Tokens: 50000,
  },
};

const SYSTEM_SCOPE_MAPS = [
  {
    name: "_repositories_admin",
    description: "Can perform all read, write and delete operations on the registry",
    actions: [
      "repositories/*/metadata/read",
      "repositories/*/metadata/write",
      "repositories/*/content/read",
      "repositories/*/content/write",
      "repositories/*/content/delete",
    ],
  },
  {
    name: "_repositories_pull",
    description: "Can pull any repository of the registry",
    actions: ["repositories/*/content/read"],
  },
  {
    name: "_repositories_push",
    description: "Can push to any repository of the registry",
    actions: ["repositories/*/content/read", "repositories/*/content/write"],
  },
];

export interface Caller {
  objectId: string;
}

type Handler = (world: World, req: FakeRequest, caller: Caller, match: RegExpExecArray) => FakeResponse;

/**
 * Azure Resource Manager: bearer validation, RBAC through rbac.ts (403 AuthorizationFailed with
 * ARM's message), the registry resource and its children, authorization reads, Resource Graph,
 * service tags and policy states. Unknown routes answer ARM's 404 and are recorded as unexpected.
 */
export function arm(world: World) {
  const routes: [string, RegExp, Handler][] = [
    ["POST", /^\/providers\/Microsoft\.ResourceGraph\/resources$/i, resourceGraph],
    ["GET", /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i, listRoleAssignments],
    ["GET", /^(.*)\/providers\/Microsoft\.Authorization\/roleDefinitions(?:\/([^/]+))?$/i, roleDefinitions],
    ["GET", /^(.*)\/providers\/Microsoft\.Authorization\/permissions$/i, permissions],
    [
      "POST",
      /^(.*)\/providers\/Microsoft\.PolicyInsights\/policyStates\/latest\/queryResults$/i,
      policyStates,
    ],
    ["GET", /^\/subscriptions$/i, listSubscriptions],
    ["GET", /^\/subscriptions\/([^/]+)$/i, getSubscription],
    ["GET", /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i, getResourceGroup],
    [
      "GET",
      /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/serviceTags$/i,
      serviceTags,
    ],
    [
      "GET",
      /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ContainerRegistry\/registries$/i,
      listRegistries,
    ],
    [
      "GET",
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+)(\/.*)?$/i,
      registryRoutes,
    ],
    [
      "GET",
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+)$/i,
      getAksCluster,
    ],
    [
      "GET",
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateEndpoints\/[^/]+)\/privateDnsZoneGroups$/i,
      privateDnsZoneGroups,
    ],
    [
      "GET",
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/[^/]+)\/virtualNetworkLinks$/i,
      virtualNetworkLinks,
    ],
  ];
  return (req: FakeRequest): FakeResponse => {
    const bearer = checkBearer(world, req.headers.authorization, ARM_AUDIENCES);
    if (!bearer.ok) return unauthenticated(world, bearer);
    const path = req.path.replace(/\/+$/, "");
    for (const [method, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (!match || method !== req.method) continue;
      if (!req.query.get("api-version")) {
        return armError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        );
      }
      return handler(world, req, { objectId: bearer.objectId }, match);
    }
    return {
      ...armError(404, "NotFound", `The fake has no ARM route for ${req.method} ${req.path}.`),
      unexpected: true,
    };
  };
}

function unauthenticated(
  world: World,
  check: Exclude<ReturnType<typeof checkBearer>, { ok: true }>,
): FakeResponse {
  const [code, message] =
    check.reason === "missing"
      ? ["AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."]
      : check.reason === "audience"
        ? [
            "InvalidAuthenticationTokenAudience",
            `The access token has been obtained for wrong audience or resource '${check.audience}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
          ]
        : check.reason === "expired"
          ? [
              "ExpiredAuthenticationToken",
              `The access token expiry UTC time '${check.expiredAt?.toISOString()}' is earlier than current UTC time '${world.clock.now().toISOString()}'.`,
            ]
          : ["InvalidAuthenticationToken", "The access token is invalid."];
  return {
    status: 401,
    headers: {
      "WWW-Authenticate": `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
    },
    body: { error: { code, message } },
  };
}

export function armError(status: number, code: string, message: string): FakeResponse {
  return { status, body: { error: { code, message } } };
}

function authorizationFailed(caller: Caller, action: string, scope: string): FakeResponse {
  return armError(
    403,
    "AuthorizationFailed",
    `The client '${caller.objectId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** 404 for a scope whose subscription or resource group does not exist, else undefined. */
function missingScope(world: World, scope: string): FakeResponse | undefined {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  if (!sub) return undefined;
  if (!world.scenario.subscriptions.some((s) => s.id.toLowerCase() === sub.toLowerCase())) {
    return armError(404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
  }
  const rg = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(scope)?.[1];
  if (rg && !knownResourceGroups(world, sub).includes(rg.toLowerCase())) {
    return armError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
  }
  return undefined;
}

function knownResourceGroups(world: World, subscriptionId: string): string[] {
  const fromRegistries = world.scenario.registries
    .filter((r) => r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase())
    .map((r) => r.resourceGroup.toLowerCase());
  const fromAssignments = world.scenario.roleAssignments
    .map((a) =>
      new RegExp(`^/subscriptions/${subscriptionId}/resourceGroups/([^/]+)`, "i")
        .exec(a.scope)?.[1]
        ?.toLowerCase(),
    )
    .filter((rg): rg is string => Boolean(rg));
  return [...new Set([...fromRegistries, ...fromAssignments, ...aksResourceGroups(world, subscriptionId)])];
}

/** Checks authorisation then existence, in ARM's order. */
export function authorize(
  world: World,
  caller: Caller,
  action: string,
  scope: string,
): FakeResponse | undefined {
  const missingSubscription = missingScope(world, scope.replace(/\/resourceGroups\/.*$/i, ""));
  if (missingSubscription) return missingSubscription;
  if (!world.rbac.can(caller.objectId, action, scope)) return authorizationFailed(caller, action, scope);
  return missingScope(world, scope);
}

// ---- subscriptions and resource groups ---------------------------------------------------------

function subscriptionJson(world: World, sub: { id: string; displayName: string }) {
  return {
    id: `/subscriptions/${sub.id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: sub.id,
    tenantId: world.scenario.tenantId,
    displayName: sub.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

function listSubscriptions(world: World, _req: FakeRequest, caller: Caller): FakeResponse {
  const visible = world.scenario.subscriptions.filter((s) =>
    world.rbac.seesSubscription(caller.objectId, s.id),
  );
  return {
    status: 200,
    body: {
      value: visible.map((s) => subscriptionJson(world, s)),
      count: { type: "Total", value: visible.length },
    },
  };
}

function getSubscription(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const sub = world.scenario.subscriptions.find((s) => s.id.toLowerCase() === match[1]!.toLowerCase());
  if (!sub || !world.rbac.seesSubscription(caller.objectId, sub.id)) {
    return armError(404, "SubscriptionNotFound", `The subscription '${match[1]}' could not be found.`);
  }
  return { status: 200, body: subscriptionJson(world, sub) };
}

function getResourceGroup(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const scope = `/subscriptions/${match[1]}/resourceGroups/${match[2]}`;
  const refused = authorize(world, caller, "Microsoft.Resources/subscriptions/resourceGroups/read", scope);
  if (refused) return refused;
  const location =
    world.scenario.registries.find((r) => r.resourceGroup.toLowerCase() === match[2]!.toLowerCase())
      ?.location ?? "westeurope";
  return {
    status: 200,
    body: {
      id: scope,
      name: match[2],
      type: "Microsoft.Resources/resourceGroups",
      location,
      properties: { provisioningState: "Succeeded" },
    },
  };
}

// ---- registries ------------------------------------------------------------------------------

export function registryJson(world: World, registry: Registry) {
  return {
    sku: { name: registry.sku, tier: registry.sku },
    type: ACR_PROVIDER,
    id: world.registryId(registry),
    name: registry.name,
    location: registry.location,
    tags: {},
    systemData: {
      createdByType: "User",
      createdAt: "2024-03-01T09:00:00.000Z",
      lastModifiedByType: "User",
      lastModifiedAt: "2024-03-01T09:00:00.000Z",
    },
    properties: world.registryProperties(registry),
  };
}

function listRegistries(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const [, sub, rg] = match;
  const missing = missingScope(world, `/subscriptions/${sub}${rg ? `/resourceGroups/${rg}` : ""}`);
  if (missing) return missing;
  const readable = world.scenario.registries.filter(
    (r) =>
      r.subscriptionId.toLowerCase() === sub!.toLowerCase() &&
      (!rg || r.resourceGroup.toLowerCase() === rg.toLowerCase()) &&
      world.rbac.can(caller.objectId, `${ACR_PROVIDER}/read`, world.registryId(r)),
  );
  return { status: 200, body: { value: readable.map((r) => registryJson(world, r)) } };
}

function registryRoutes(
  world: World,
  req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const scope = match[1]!;
  const rest = (match[2] ?? "").toLowerCase();
  const child = /^\/(replications|tokens|scopemaps)(?:\/([^/]+))?$/.exec(rest);
  const action =
    rest === ""
      ? `${ACR_PROVIDER}/read`
      : rest === "/listusages"
        ? `${ACR_PROVIDER}/listUsages/read`
        : child
          ? `${ACR_PROVIDER}/${child[1] === "scopemaps" ? "scopeMaps" : child[1]}/read`
          : undefined;
  if (!action)
    return {
      ...armError(404, "NotFound", `The fake has no ARM route for ${req.method} ${req.path}.`),
      unexpected: true,
    };
  const refused = authorize(world, caller, action, scope);
  if (refused) return refused;
  const registry = world.scenario.registries.find(
    (r) => world.registryId(r).toLowerCase() === scope.toLowerCase(),
  );
  if (!registry) {
    const rg = /resourceGroups\/([^/]+)/i.exec(scope)?.[1];
    const name = scope.split("/").pop();
    return armError(
      404,
      "ResourceNotFound",
      `The Resource '${ACR_PROVIDER}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
  if (rest === "") return { status: 200, body: registryJson(world, registry) };
  if (rest === "/listusages") return { status: 200, body: { value: usages(world, registry) } };
  const items =
    child![1] === "replications"
      ? replications(world, registry)
      : child![1] === "tokens"
        ? tokens(world, registry)
        : scopeMaps(world, registry);
  if (!child![2]) return { status: 200, body: { value: items } };
  const item = items.find((i) => i.name.toLowerCase() === child![2]);
  if (!item) {
    return armError(
      404,
      "ResourceNotFound",
      `The Resource '${ACR_PROVIDER}/${registry.name}/${child![1]}/${child![2]}' under resource group '${registry.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
  return { status: 200, body: item };
}

function usages(world: World, registry: Registry) {
  const limits = SKU_USAGE_LIMITS[registry.sku];
  const props = world.registryProperties(registry);
  const derived: Record<string, number> = {
    "Geo-replications": registry.replications?.length ?? 0,
    IPRules: props.networkRuleSet.ipRules.length,
    ScopeMaps: (registry.scopeMaps ?? []).length,
    Tokens: (registry.tokens ?? []).length,
  };
  const names = [...new Set([...Object.keys(limits), ...(registry.usages ?? []).map((u) => u.name)])];
  return names.map((name) => {
    const given = registry.usages?.find((u) => u.name === name);
    return {
      name,
      limit: given?.limit ?? limits[name] ?? -1,
      currentValue: given?.currentValue ?? derived[name] ?? 0,
      unit: name === "Size" ? "Bytes" : "Count",
    };
  });
}

function replications(world: World, registry: Registry) {
  const home =
    registry.sku === "Premium"
      ? [
          {
            location: registry.location,
            provisioningState: "Succeeded",
            status: "Ready",
            regionEndpointEnabled: true,
          },
        ]
      : [];
  const all = [...home, ...(registry.replications ?? []).filter((r) => r.location !== registry.location)];
  return all.map((r) => ({
    id: `${world.registryId(registry)}/replications/${r.location}`,
    name: r.location,
    type: `${ACR_PROVIDER}/replications`,
    location: r.location,
    tags: {},
    properties: {
      provisioningState: r.provisioningState ?? "Succeeded",
      status: { displayStatus: r.status ?? "Ready", message: "", timestamp: "2024-03-01T09:00:00.000Z" },
      regionEndpointEnabled: r.regionEndpointEnabled ?? true,
      zoneRedundancy: "Disabled",
    },
  }));
}

function tokens(world: World, registry: Registry) {
  return (registry.tokens ?? []).map((t) => ({
    id: `${world.registryId(registry)}/tokens/${t.name}`,
    name: t.name,
    type: `${ACR_PROVIDER}/tokens`,
    properties: {
      creationDate: "2024-03-01T09:00:00.000Z",
      provisioningState: "Succeeded",
      scopeMapId: `${world.registryId(registry)}/scopeMaps/${t.scopeMap}`,
      status: t.status ?? "enabled",
      credentials: {
        certificates: [],
        passwords: (t.passwords ?? []).map((p) => ({
          name: p.name,
          creationTime: "2024-03-01T09:00:00.000Z",
          ...(p.expiry ? { expiry: world.clock.iso(p.expiry) } : {}),
        })),
      },
    },
  }));
}

function scopeMaps(world: World, registry: Registry) {
  const userMaps = (registry.scopeMaps ?? []).map((m) => ({
    name: m.name,
    description: "",
    actions: m.actions,
    type: m.type ?? "UserDefined",
  }));
  const systemMaps = SYSTEM_SCOPE_MAPS.filter((s) => !userMaps.some((u) => u.name === s.name)).map((s) => ({
    ...s,
    type: "SystemDefined",
  }));
  return [...systemMaps, ...userMaps].map((m) => ({
    id: `${world.registryId(registry)}/scopeMaps/${m.name}`,
    name: m.name,
    type: `${ACR_PROVIDER}/scopeMaps`,
    properties: {
      description: m.description,
      type: m.type,
      creationDate: "2024-03-01T09:00:00.000Z",
      provisioningState: "Succeeded",
      actions: m.actions,
    },
  }));
}

// ---- authorization ---------------------------------------------------------------------------

function roleDefinitionId(scope: string, role: RoleDefinition): string {
  const sub = /^\/subscriptions\/[^/]+/i.exec(scope)?.[0] ?? "";
  return `${sub}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`;
}

function roleDefinitionJson(scope: string, role: RoleDefinition) {
  return {
    id: roleDefinitionId(scope, role),
    type: "Microsoft.Authorization/roleDefinitions",
    name: role.id,
    properties: {
      roleName: role.roleName,
      type: "BuiltInRole",
      description: role.description,
      assignableScopes: ["/"],
      permissions: [
        {
          actions: role.actions,
          notActions: role.notActions,
          dataActions: role.dataActions,
          notDataActions: role.notDataActions,
        },
      ],
      createdOn: "2018-03-01T00:00:00.0000000Z",
      updatedOn: "2024-03-01T00:00:00.0000000Z",
      createdBy: null,
      updatedBy: null,
    },
  };
}

export function roleAssignmentJson(world: World, assignment: RoleAssignment) {
  const role = findRole(assignment.role)!;
  const name = world.stableId(`${assignment.scope}|${role.id}|${assignment.principalId}`);
  return {
    id: `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    type: "Microsoft.Authorization/roleAssignments",
    name,
    properties: {
      roleDefinitionId: roleDefinitionId(assignment.scope, role),
      principalId: assignment.principalId,
      principalType: assignment.principalType ?? principalTypeOf(world, assignment.principalId),
      scope: assignment.scope,
      condition: assignment.condition ?? null,
      conditionVersion: assignment.condition ? "2.0" : null,
      createdOn: "2024-03-01T09:00:00.0000000Z",
      updatedOn: "2024-03-01T09:00:00.0000000Z",
      createdBy: null,
      updatedBy: null,
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
  };
}

function principalTypeOf(world: World, id: string): string {
  return world.scenario.groups?.some((g) => g.objectId.toLowerCase() === id.toLowerCase())
    ? "Group"
    : "ServicePrincipal";
}

function listRoleAssignments(
  world: World,
  req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const scope = match[1] || "/";
  const refused = authorize(world, caller, "Microsoft.Authorization/roleAssignments/read", scope);
  if (refused) return refused;
  const filter = req.query.get("$filter") ?? "";
  const atScope = /atScope\(\)/i.test(filter);
  const assignedTo = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
  const principalId = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
  const identities = assignedTo ? world.rbac.identitiesOf(assignedTo) : undefined;
  const value = world.scenario.roleAssignments
    .filter((a) => scopeCovers(a.scope, scope) || (!atScope && scopeCovers(scope, a.scope)))
    .filter((a) => !identities || identities.has(a.principalId.toLowerCase()))
    .filter((a) => !principalId || a.principalId.toLowerCase() === principalId.toLowerCase())
    .map((a) => roleAssignmentJson(world, a));
  return { status: 200, body: { value } };
}

function roleDefinitions(
  _world: World,
  req: FakeRequest,
  _caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const scope = match[1] || "/";
  if (match[2]) {
    const role = findRole(match[2]);
    if (!role)
      return armError(
        404,
        "RoleDefinitionDoesNotExist",
        "The specified role definition with ID '" + match[2] + "' does not exist.",
      );
    return { status: 200, body: roleDefinitionJson(scope, role) };
  }
  const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(req.query.get("$filter") ?? "")?.[1];
  const roles = BUILT_IN_ROLES.filter(
    (r) => !roleName || r.roleName.toLowerCase() === roleName.toLowerCase(),
  );
  return { status: 200, body: { value: roles.map((r) => roleDefinitionJson(scope, r)) } };
}

/** The caller's own effective permissions at a scope: one entry per applicable assignment. */
function permissions(world: World, _req: FakeRequest, caller: Caller, match: RegExpExecArray): FakeResponse {
  const scope = match[1] || "/";
  const missing = missingScope(world, scope);
  if (missing) return missing;
  const value = world.rbac.applicable(caller.objectId, scope).map((a) => {
    const role = findRole(a.role)!;
    return {
      actions: role.actions,
      notActions: role.notActions,
      dataActions: role.dataActions,
      notDataActions: role.notDataActions,
      ...(a.condition ? { condition: a.condition, conditionVersion: "2.0" } : {}),
    };
  });
  return { status: 200, body: { value } };
}

// ---- Resource Graph, service tags, policy ---------------------------------------------------

function resourceGraph(world: World, req: FakeRequest, caller: Caller): FakeResponse {
  let body: { query?: string; subscriptions?: string[] };
  try {
    body = JSON.parse(req.body || "{}") as typeof body;
  } catch {
    return armError(
      400,
      "InvalidRequestContent",
      "The request content was invalid and could not be deserialized.",
    );
  }
  const visible = world.scenario.subscriptions
    .map((s) => s.id)
    .filter((id) => world.rbac.seesSubscription(caller.objectId, id));
  const subscriptions = body.subscriptions
    ? body.subscriptions.filter((s) => visible.some((v) => v.toLowerCase() === s.toLowerCase()))
    : visible;
  const rows = world.scenario.registries
    .filter((r) => subscriptions.some((s) => s.toLowerCase() === r.subscriptionId.toLowerCase()))
    .filter((r) => world.rbac.can(caller.objectId, `${ACR_PROVIDER}/read`, world.registryId(r)))
    .map((r) => ({
      ...registryJson(world, r),
      type: ACR_PROVIDER.toLowerCase(),
      tenantId: world.scenario.tenantId,
      kind: "",
      resourceGroup: r.resourceGroup.toLowerCase(),
      subscriptionId: r.subscriptionId,
      managedBy: "",
      plan: null,
      identity: null,
      zones: null,
      extendedLocation: null,
    }));
  const result = queryResourceGraph(body.query ?? "", [
    ...rows,
    ...aksClusterRows(world, caller, subscriptions),
  ]);
  if ("error" in result) {
    return {
      status: 400,
      body: {
        error: {
          code: "BadRequest",
          message:
            "Please provide below info when asking for support: timestamp = " +
            world.clock.now().toISOString() +
            ", correlationId = " +
            world.newId() +
            ".",
          details: [
            {
              code: "InvalidQuery",
              message:
                "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
            },
            { code: "ParserFailure", message: result.error },
          ],
        },
      },
      unexpected: true,
    };
  }
  return {
    status: 200,
    body: {
      totalRecords: result.rows.length,
      count: result.rows.length,
      data: result.rows,
      facets: [],
      resultTruncated: "false",
    },
  };
}

function serviceTags(world: World, _req: FakeRequest, caller: Caller, match: RegExpExecArray): FakeResponse {
  const [, sub, location] = match;
  const refused = authorize(
    world,
    caller,
    "Microsoft.Network/locations/serviceTags/read",
    `/subscriptions/${sub}`,
  );
  if (refused) return refused;
  const tags = world.scenario.serviceTags ?? { tags: {} };
  const changeNumber = tags.changeNumber ?? "1";
  return {
    status: 200,
    body: {
      name: "public",
      id: `/subscriptions/${sub}/providers/Microsoft.Network/serviceTags/public`,
      type: "Microsoft.Network/serviceTags",
      changeNumber,
      cloud: "Public",
      values: Object.entries(tags.tags).map(([name, prefixes]) => {
        const [service, region = ""] = name.split(".");
        return {
          name,
          id: name,
          properties: {
            changeNumber,
            region: region.toLowerCase(),
            regionId: 0,
            platform: "Azure",
            systemService: service === "AzureCloud" ? "" : `Azure${service}`,
            addressPrefixes: prefixes,
            networkFeatures: ["API", "NSG", "UDR", "FW"],
          },
        };
      }),
      nextLink: "",
      location,
    },
  };
}

function policyStates(world: World, req: FakeRequest, caller: Caller, match: RegExpExecArray): FakeResponse {
  const scope = match[1] || "/";
  const refused = authorize(world, caller, "Microsoft.PolicyInsights/policyStates/queryResults/read", scope);
  if (refused) return refused;
  const compliance = /complianceState\s+eq\s+'([^']+)'/i.exec(req.query.get("$filter") ?? "")?.[1];
  const value = (world.scenario.policyStates ?? [])
    .filter((p) => scopeCovers(scope, p.resourceId))
    .filter((p) => !compliance || p.complianceState.toLowerCase() === compliance.toLowerCase())
    .map((p) => {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(p.resourceId)?.[1] ?? "";
      return {
        "@odata.id": null,
        "@odata.context":
          "https://management.azure.com/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest/$entity",
        timestamp: world.clock.now().toISOString(),
        resourceId: p.resourceId,
        policyAssignmentId: `/subscriptions/${sub}/providers/Microsoft.Authorization/policyAssignments/${p.policyAssignmentName}`,
        policyDefinitionId: `/providers/Microsoft.Authorization/policyDefinitions/${p.policyDefinitionName}`,
        effectiveParameters: "",
        isCompliant: p.complianceState === "Compliant",
        subscriptionId: sub,
        resourceType: ACR_PROVIDER,
        resourceLocation:
          world.scenario.registries.find(
            (r) => world.registryId(r).toLowerCase() === p.resourceId.toLowerCase(),
          )?.location ?? "",
        resourceGroup: /resourceGroups\/([^/]+)/i.exec(p.resourceId)?.[1] ?? "",
        policyAssignmentName: p.policyAssignmentName,
        policyDefinitionName: p.policyDefinitionName,
        policyDefinitionAction: (p.effect ?? "audit").toLowerCase(),
        complianceState: p.complianceState,
      };
    });
  return {
    status: 200,
    body: {
      "@odata.context":
        "https://management.azure.com/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest",
      "@odata.count": value.length,
      value,
    },
  };
}
