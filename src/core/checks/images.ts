import { editDistance } from "../config/closest.js";
import type { ImageRef, Platform } from "../config/types.js";
import { imageManifestFact, platformName, pullToken } from "../context/image-manifest.js";
import { loginServerFact } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-access";

const CODES = defineCodes({
  IMAGE_OK: {
    severity: "notice",
    title: "Every image exists and offers the platform",
    fix: "Nothing to fix.",
  },
  IMAGE_NOT_FOUND: {
    severity: "error",
    title: "An image the job deploys does not exist",
    fix: "Push the tag first, or deploy a tag that exists (the nearest existing tags are listed).",
    docs: DOCS,
  },
  REPOSITORY_NOT_FOUND: {
    severity: "error",
    title: "A repository the job deploys from does not exist",
    fix: "Check the repository name (case, path) against `az acr repository list`.",
    docs: DOCS,
  },
  PLATFORM_MISSING: {
    severity: "error",
    title: "An image does not offer the nodes' platform",
    fix: "Build and push the missing platform (`docker buildx build --platform …`) or deploy to nodes of a platform the image offers.",
    docs: "https://learn.microsoft.com/azure/container-registry/push-multi-architecture-images",
  },
  PLATFORM_UNVERIFIED: {
    severity: "warning",
    title: "An image's platform could not be read",
    fix: "Push the image as a multi-platform index, or give the identity pull rights so its configuration can be read.",
  },
});

/** `images`: each image the job deploys exists and, with `platform`, offers it. */
export const imagesCheck: Check = {
  id: "images",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    "Data plane `pull` on each image's repository (AcrPull, or Container Registry Repository Reader on ABAC registries)",
  ],
  async run(ctx) {
    if (ctx.config.images.length === 0) {
      throw new SkipCheck("not-applicable", "No `images` were given, so there is nothing to look up.");
    }
    const findings = await Promise.all(ctx.config.images.map((image) => inspectImage(ctx, image)));
    return { findings: findings.flat() };
  },
};

async function inspectImage(ctx: RegistryContext, image: ImageRef): Promise<Finding[]> {
  const loginServer = await ctx.get(loginServerFact);
  const manifest = await ctx.get(imageManifestFact(image));
  const evidence = { image: image.input, loginServer, reference: manifest.reference };
  if (!manifest.found && manifest.status === 404)
    return [await notFound(ctx, image, manifest.code, evidence)];
  if (!manifest.found) {
    throw new SkipCheck(
      "prerequisite",
      `The registry answered ${manifest.status} ${manifest.code ?? ""} for ${image.input}: ${manifest.message ?? ""}`,
    );
  }
  const { platforms, digest } = manifest;
  const reference = manifest.reference;
  const okEvidence = { ...evidence, ...(digest ? { digest } : {}), platforms: platforms ?? "unknown" };
  const wanted = ctx.config.platform;
  if (!wanted) return [CODES.IMAGE_OK.finding({ message: `${image.input} exists.`, evidence: okEvidence })];
  if (!platforms) {
    return [
      CODES.PLATFORM_UNVERIFIED.finding({
        message: `${image.input} exists, but its platform could not be read, so ${platformName(wanted)} is not verified.`,
        evidence: okEvidence,
      }),
    ];
  }
  if (platforms.some((p) => platformMatches(p, wanted))) {
    return [
      CODES.IMAGE_OK.finding({
        message: `${image.input} exists and offers ${platformName(wanted)}.`,
        evidence: okEvidence,
      }),
    ];
  }
  return [
    CODES.PLATFORM_MISSING.finding({
      message:
        `${image.input} offers ${platforms.join(", ") || "no platform"} but not ${platformName(wanted)}: ` +
        `nodes of that platform fail with ImagePullBackOff ("no matching manifest").`,
      remediation: [
        `docker buildx build --platform ${[...new Set([...platforms, platformName(wanted)])].join(",")} -t ${loginServer}/${image.repository}:${reference} --push .`,
      ],
      evidence: { ...okEvidence, wanted: platformName(wanted) },
    }),
  ];
}

async function notFound(
  ctx: RegistryContext,
  image: ImageRef,
  code: string | undefined,
  evidence: Record<string, unknown>,
): Promise<Finding> {
  const loginServer = evidence.loginServer as string;
  if (code === "NAME_UNKNOWN") {
    return CODES.REPOSITORY_NOT_FOUND.finding({
      message: `The repository '${image.repository}' does not exist in ${loginServer}.`,
      remediation: [`az acr repository list --name ${ctx.registry.name} --output table`],
      evidence,
    });
  }
  const tags = await listTags(ctx, loginServer, image.repository, await pullToken(ctx, image.repository));
  const nearest = image.tag ? nearestTags(image.tag, tags, 5) : tags.slice(0, 5);
  return CODES.IMAGE_NOT_FOUND.finding({
    message:
      `${image.input} does not exist in ${loginServer} (manifest unknown)` +
      (nearest.length > 0
        ? `; nearest existing tags: ${nearest.join(", ")}.`
        : "; the repository has no tags."),
    remediation: [
      `az acr repository show-tags --name ${ctx.registry.name} --repository ${image.repository} --orderby time_desc --top 10`,
    ],
    evidence: { ...evidence, nearestTags: nearest },
  });
}

async function listTags(
  ctx: RegistryContext,
  loginServer: string,
  repository: string,
  token: string,
): Promise<string[]> {
  const res = await ctx.apis.plain.send("GET", `https://${loginServer}/v2/${repository}/tags/list`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) return [];
  return (JSON.parse(res.text) as { tags?: string[] | null }).tags ?? [];
}

function platformMatches(offered: string, wanted: Platform): boolean {
  const [os, architecture, variant] = offered.split("/");
  return (
    os === wanted.os &&
    architecture === wanted.architecture &&
    (!wanted.variant || variant === wanted.variant)
  );
}

/** Tags closest to the wanted one by edit distance (a typo, or the previous version). */
export function nearestTags(wanted: string, tags: string[], count: number): string[] {
  return tags
    .map((tag) => ({ tag, distance: editDistance(wanted, tag) }))
    .sort((a, b) => a.distance - b.distance || a.tag.localeCompare(b.tag))
    .slice(0, count)
    .map((t) => t.tag);
}
