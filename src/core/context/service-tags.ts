import { readFile } from "node:fs/promises";
import { parseResourceId } from "../azure/arm-types.js";
import { SkipCheck } from "../checks/check.js";
import { requireRegistry } from "./registry-lookup.js";
import { grantReaderCommand } from "./assignee.js";
import { isForbidden } from "./readable.js";
import type { RegistryContext } from "./scope.js";
import { runFact } from "./scope.js";

export const SERVICE_TAGS_API_VERSION = "2024-05-01";

export interface ServiceTag {
  /** `AzureCloud.westeurope`, `AzureDevOps`, … */
  name: string;
  /** Lower case; empty for global tags. */
  region: string;
  addressPrefixes: string[];
}

export interface ServiceTags {
  source: "service-tags-file" | "service-tags-api";
  changeNumber?: string;
  cloud?: string;
  tags: ServiceTag[];
}

/** The weekly download and the ARM API share this shape (acr-facts §6.1, §6.2). */
interface ServiceTagsDocument {
  changeNumber?: string | number;
  cloud?: string;
  values?: { name: string; properties?: { region?: string; addressPrefixes?: string[] } }[];
}

/** This week's Azure service tags: `service-tags-file` when given, else the ARM Service Tags API (one fetch per run). */
export async function serviceTagsOf(ctx: RegistryContext): Promise<ServiceTags> {
  if (ctx.config.serviceTagsFile) return ctx.get(serviceTagsFileFact);
  const registry = await requireRegistry(ctx);
  return ctx.get(serviceTagsApiFact(parseResourceId(registry.id).subscriptionId ?? "", registry.location));
}

const serviceTagsFileFact = runFact("service-tags:file", async (ctx): Promise<ServiceTags> => {
  const file = ctx.config.serviceTagsFile!;
  let document: ServiceTagsDocument;
  try {
    document = JSON.parse(await readFile(file, "utf8")) as ServiceTagsDocument;
  } catch (error) {
    throw new SkipCheck(
      "prerequisite",
      `service-tags-file '${file}' could not be read as a ServiceTags JSON file: ${(error as Error).message}.`,
      [
        "Download this week's ServiceTags_Public_<date>.json (Microsoft Download Center id 56519) and pass its path.",
      ],
    );
  }
  return normalise("service-tags-file", document);
});

/** `{location}` only picks the list's version: the answer covers the whole cloud, so the first registry's subscription serves all. */
const serviceTagsApiFact = (subscriptionId: string, location: string) =>
  runFact("service-tags:api", async (ctx): Promise<ServiceTags> => {
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${location}/serviceTags`;
    try {
      const document = await ctx.apis.arm.getJson<ServiceTagsDocument>(path, {
        "api-version": SERVICE_TAGS_API_VERSION,
      });
      return normalise("service-tags-api", document);
    } catch (error) {
      if (isForbidden(error)) {
        throw new SkipCheck(
          "permission",
          `The identity may not read the Service Tags API in subscription ${subscriptionId} (${error.message}); it needs \`Microsoft.Network/locations/serviceTags/read\` at the subscription (Reader), or pass service-tags-file.`,
          [
            await grantReaderCommand(ctx, `/subscriptions/${subscriptionId}`),
            `or download this week's ServiceTags_Public_<date>.json and set service-tags-file`,
          ],
          { subscriptionId },
        );
      }
      throw error;
    }
  });

function normalise(source: ServiceTags["source"], document: ServiceTagsDocument): ServiceTags {
  return {
    source,
    ...(document.changeNumber !== undefined ? { changeNumber: String(document.changeNumber) } : {}),
    ...(document.cloud ? { cloud: document.cloud } : {}),
    tags: (document.values ?? []).map((value) => ({
      name: value.name,
      region: (value.properties?.region ?? "").toLowerCase(),
      addressPrefixes: value.properties?.addressPrefixes ?? [],
    })),
  };
}
