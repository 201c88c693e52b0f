import { errorOf } from "../azure/http.js";
import { SkipCheck } from "../checks/check.js";
import type { ImageRef, Platform } from "../config/types.js";
import { accessTokenFact, grantedActions } from "./data-plane.js";
import { loginServerFact } from "./registry-lookup.js";
import type { RegistryContext } from "./scope.js";
import { keyedRegistryFact } from "./scope.js";

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Manifest {
  mediaType?: string;
  manifests?: { digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
  config?: { digest: string };
}

/** What the registry answered for one image of `images`, read once (images, aks-pull). */
export type ImageManifest =
  | {
      found: true;
      reference: string;
      digest?: string;
      /** `os/architecture[/variant]` the image offers; undefined when it could not be read. */
      platforms?: string[];
    }
  | { found: false; reference: string; status: number; code?: string; message?: string };

export const imageManifestFact = keyedRegistryFact(
  "image-manifest",
  (image: ImageRef) => image.input,
  async (ctx, image): Promise<ImageManifest> => {
    const loginServer = await ctx.get(loginServerFact);
    const token = await pullToken(ctx, image.repository);
    const reference = image.digest ?? image.tag ?? "latest";
    const res = await ctx.apis.plain.send(
      "GET",
      `https://${loginServer}/v2/${image.repository}/manifests/${reference}`,
      { headers: { Authorization: `Bearer ${token}`, Accept: MANIFEST_ACCEPT } },
    );
    if (res.status !== 200) {
      const { code, message } = errorOf(res.text);
      return { found: false, reference, status: res.status, code, message };
    }
    const manifest = JSON.parse(res.text) as Manifest;
    const digest = res.headers["docker-content-digest"];
    const platforms = manifest.manifests
      ? manifest.manifests.flatMap((m) => (m.platform?.os ? [platformName(m.platform as Platform)] : []))
      : await singleManifestPlatform(ctx, loginServer, image.repository, token, manifest);
    return { found: true, reference, ...(digest ? { digest } : {}), ...(platforms ? { platforms } : {}) };
  },
);

/** A token that may pull the repository, or a skip naming `data-plane-access` as the place to look. */
export async function pullToken(ctx: RegistryContext, repository: string): Promise<string> {
  const grant = await ctx.get(accessTokenFact([`repository:${repository}:pull`]));
  if (!grant.ok || !grantedActions(grant.access, "repository", repository).includes("pull")) {
    throw new SkipCheck(
      "prerequisite",
      `The identity may not pull '${repository}', so its images cannot be looked up (see \`data-plane-access\`).`,
    );
  }
  return grant.accessToken;
}

/** A single-platform manifest names its platform only in its config blob. */
async function singleManifestPlatform(
  ctx: RegistryContext,
  loginServer: string,
  repository: string,
  token: string,
  manifest: Manifest,
): Promise<string[] | undefined> {
  if (!manifest.config?.digest) return undefined;
  const res = await ctx.apis.plain
    .send("GET", `https://${loginServer}/v2/${repository}/blobs/${manifest.config.digest}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    .catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const config = JSON.parse(res.text) as Partial<Platform> & { os?: string };
  return config.os && config.architecture ? [platformName(config as Platform)] : undefined;
}

export function platformName(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}
