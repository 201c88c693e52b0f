import { AzureHttpError } from "../azure/http.js";
import type { RegistryResource } from "../azure/arm-types.js";
import { ACR_API_VERSION, RESOURCE_GRAPH_API_VERSION } from "../azure/arm-types.js";
import { SkipCheck } from "../checks/check.js";
import type { RegistryRef } from "../config/types.js";
import { grantReaderCommand } from "./assignee.js";
import { dnsFact } from "./dns.js";
import { armTokenFact } from "./entra-token.js";
import type { RegistryContext, RunContext } from "./scope.js";
import { registryFact } from "./scope.js";

export type RegistryLookup =
  | {
      found: true;
      resource: RegistryResource;
      via: "arm" | "resource-graph";
      candidates: string[];
      /** Set when subscription-id/resource-group named another place than where the registry is. */
      outsideGivenScope?: boolean;
    }
  | {
      found: false;
      reason: "not-found" | "forbidden" | "ambiguous" | "error";
      detail: string;
      /** Resource ids that matched the name elsewhere (wrong resource group, several subscriptions). */
      candidates: string[];
    };

interface GraphRow {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  properties?: { loginServer?: string };
}

/**
 * Finds the registry resource: by subscription + resource group + name when given, else with one
 * Resource Graph query across every subscription the identity can see, then one GET of the resource
 * (Resource Graph can lag the live state by minutes). subscription-id and resource-group say where
 * to look first: registry names are unique per cloud, so the one registry of that name found
 * elsewhere is still the registry the job talks to (flagged `outsideGivenScope`).
 */
export const registryLookupFact = registryFact("registry-lookup", async (ctx): Promise<RegistryLookup> => {
  await ctx.get(armTokenFact);
  const { subscriptionId, resourceGroup } = ctx.config;
  const name = ctx.registry.name;
  let direct: AzureHttpError | undefined;
  const knownId = knownRegistryId(ctx);
  if (knownId) {
    try {
      const resource = await getRegistry(ctx, knownId);
      return { found: true, resource, via: "arm", candidates: [resource.id] };
    } catch (error) {
      if (!(error instanceof AzureHttpError)) throw error;
      direct = error;
    }
  }
  const search = await ctx.get(registrySearchFact);
  if ("error" in search) return failure(direct ?? search.error, []);
  const candidates = search.rows.map((r) => r.id);
  const choice = chooseRow(ctx, search.rows);
  if (choice.kind === "ambiguous-in-scope")
    return { found: false, reason: "ambiguous", detail: choice.detail, candidates };
  if (choice.kind !== "row") {
    if (direct && direct.status !== 404) return failure(direct, candidates);
    if (choice.kind === "ambiguous-elsewhere")
      return { found: false, reason: "ambiguous", detail: choice.detail, candidates };
    const where = subscriptionId
      ? `subscription ${subscriptionId}${resourceGroup ? `, resource group ${resourceGroup}` : ""} or any other subscription the identity can see`
      : "any subscription the identity can see";
    return {
      found: false,
      reason: "not-found",
      detail: `no registry named '${name}' in ${where}`,
      candidates,
    };
  }
  try {
    const resource = await getRegistry(ctx, choice.row.id);
    return {
      found: true,
      resource,
      via: "resource-graph",
      candidates,
      ...(choice.outsideGivenScope ? { outsideGivenScope: true } : {}),
    };
  } catch (error) {
    if (!(error instanceof AzureHttpError)) throw error;
    return failure(error, candidates);
  }
});

function knownRegistryId(ctx: RegistryContext): string | undefined {
  const { subscriptionId, resourceGroup } = ctx.config;
  return (
    ctx.registry.resourceId ??
    (subscriptionId && resourceGroup
      ? registryPath(subscriptionId, resourceGroup, ctx.registry.name)
      : undefined)
  );
}

/** Every registry of this name the identity can see, by one Resource Graph query. */
const registrySearchFact = registryFact(
  "registry-search",
  async (ctx): Promise<{ rows: GraphRow[] } | { error: AzureHttpError }> => {
    await ctx.get(armTokenFact);
    try {
      return { rows: await findWithResourceGraph(ctx, ctx.registry.name) };
    } catch (error) {
      if (!(error instanceof AzureHttpError)) throw error;
      return { error };
    }
  },
);

type RowChoice =
  | { kind: "row"; row: GraphRow; outsideGivenScope: boolean }
  | { kind: "ambiguous-in-scope" | "ambiguous-elsewhere"; detail: string }
  | { kind: "none" };

/** The row that is the job's registry: the one in the given scope, else the only one anywhere. */
function chooseRow(ctx: RegistryContext, rows: GraphRow[]): RowChoice {
  const { subscriptionId, resourceGroup } = ctx.config;
  const name = ctx.registry.name;
  const inScope = rows.filter(
    (r) =>
      (!subscriptionId || r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase()) &&
      (!resourceGroup || r.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
  );
  if (inScope.length > 1) {
    const detail = `${inScope.length} registries named '${name}' are visible; set subscription-id to pick one`;
    return { kind: "ambiguous-in-scope", detail };
  }
  if (inScope[0]) return { kind: "row", row: inScope[0], outsideGivenScope: false };
  if (rows.length > 1) {
    const detail = `${rows.length} registries named '${name}' are visible, none in the subscription/resource group given`;
    return { kind: "ambiguous-elsewhere", detail };
  }
  return rows[0] ? { kind: "row", row: rows[0], outsideGivenScope: true } : { kind: "none" };
}

function failure(error: AzureHttpError, candidates: string[]): RegistryLookup {
  const reason = error.status === 404 ? "not-found" : error.status === 403 ? "forbidden" : "error";
  return { found: false, reason, detail: error.message, candidates };
}

function registryPath(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

function getRegistry(ctx: RegistryContext, id: string): Promise<RegistryResource> {
  return ctx.apis.arm.getJson<RegistryResource>(id, { "api-version": ACR_API_VERSION });
}

/** KQL string literal: single quotes doubled. Names are validated already; this keeps it that way. */
function kqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function findWithResourceGraph(ctx: RunContext, name: string): Promise<GraphRow[]> {
  const query =
    `resources | where type =~ 'microsoft.containerregistry/registries' | where name =~ ${kqlString(name)}` +
    ` | project id, name, subscriptionId, resourceGroup, properties`;
  return resourceGraphQuery<GraphRow>(ctx, query);
}

/** One Resource Graph query (POST is allowed: it reads). */
export async function resourceGraphQuery<T>(
  ctx: RunContext,
  query: string,
  subscriptions?: string[],
): Promise<T[]> {
  const body = {
    query,
    ...(subscriptions ? { subscriptions } : {}),
    options: { resultFormat: "objectArray" },
  };
  const page = await ctx.apis.arm.postJson<{ data?: T[] }>(
    "/providers/Microsoft.ResourceGraph/resources",
    body,
    {
      "api-version": RESOURCE_GRAPH_API_VERSION,
    },
  );
  return page.data ?? [];
}

/** The registry resource, or a skip naming why it is unknown (the `registry` check explains it). */
export async function requireRegistry(ctx: RegistryContext): Promise<RegistryResource> {
  const lookup = await ctx.get(registryLookupFact);
  if (lookup.found) return lookup.resource;
  // Resource Graph only returns what the identity may read: "not found" for a registry whose
  // login server resolves means the identity lacks read access, not that the registry is missing.
  const hidden = lookup.reason === "not-found" && (await loginServerResolves(ctx));
  if (lookup.reason === "forbidden" || hidden) {
    throw new SkipCheck(
      "permission",
      `The identity may not read the registry resource in ARM (${lookup.detail}); this check needs its settings. ` +
        `Reader on the registry enables it; data-plane-access still proves what the job can do.`,
      [await grantReaderCommand(ctx, `$(az acr show --name ${ctx.registry.name} --query id --output tsv)`)],
    );
  }
  throw new SkipCheck(
    "prerequisite",
    `The registry resource is unknown: ${lookup.detail} (see the \`registry\` check).`,
  );
}

async function loginServerResolves(ctx: RegistryContext): Promise<boolean> {
  const answer = await ctx.get(dnsFact(await ctx.get(loginServerFact)));
  return answer.resolved;
}

/**
 * Login server the job will talk to: ARM's word when readable, else the one the user wrote when its
 * suffix is right (it may carry a domain-name-label hash), else what the name implies in this cloud.
 */
export const loginServerFact = registryFact("login-server", async (ctx): Promise<string> => {
  const searched = await searchedLoginServer(ctx);
  if (searched) return searched;
  const lookup = await ctx.get(registryLookupFact).catch(() => undefined);
  if (lookup?.found && lookup.resource.properties.loginServer)
    return lookup.resource.properties.loginServer.toLowerCase();
  const suffixTypo = ctx.registry.typos.some(
    (t) => t.kind === "misspelt-suffix" || t.kind === "other-cloud-suffix",
  );
  return ctx.registry.loginServer && !suffixTypo
    ? ctx.registry.loginServer
    : impliedLoginServer(ctx.registry, ctx.config.cloud.acrSuffix);
});

/**
 * The login server as Resource Graph reports it. It is fixed when the registry is created, so the
 * data plane can start with it while the registry's live GET is still on its way.
 */
async function searchedLoginServer(ctx: RegistryContext): Promise<string | undefined> {
  if (knownRegistryId(ctx)) return undefined;
  const search = await ctx.get(registrySearchFact).catch(() => undefined);
  if (!search || "error" in search) return undefined;
  const choice = chooseRow(ctx, search.rows);
  return choice.kind === "row" ? choice.row.properties?.loginServer?.toLowerCase() : undefined;
}

export function impliedLoginServer(ref: RegistryRef, acrSuffix: string): string {
  return `${ref.name}.${acrSuffix}`;
}

/** name/loginServer/resourceId for the report, from whatever is known; never throws. */
export async function registryIdentity(
  ctx: RegistryContext,
): Promise<{ loginServer?: string; resourceId?: string }> {
  const [lookup, loginServer] = await Promise.all([
    ctx.get(registryLookupFact).catch(() => undefined),
    ctx.get(loginServerFact).catch(() => undefined),
  ]);
  return {
    ...(loginServer ? { loginServer } : {}),
    ...(lookup?.found ? { resourceId: lookup.resource.id } : {}),
  };
}

/** Audit mode without `registry`: every registry the identity can see. */
export async function discoverRegistries(ctx: RunContext): Promise<RegistryRef[]> {
  const rows = await resourceGraphQuery<GraphRow>(
    ctx,
    "resources | where type =~ 'microsoft.containerregistry/registries' | project id, name, subscriptionId, resourceGroup, properties | order by name asc",
    ctx.config.subscriptionId ? [ctx.config.subscriptionId] : undefined,
  );
  return rows.map((row) => ({
    input: row.name,
    name: row.name.toLowerCase(),
    resourceId: row.id,
    typos: [],
  }));
}
