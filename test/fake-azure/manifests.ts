import { createHash } from "node:crypto";
import type { Repository } from "./scenario.js";

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export interface Content {
  mediaType: string;
  text: string;
  digest: string;
}

/**
 * Deterministic manifests for a tag: one platform → a Docker v2 image manifest; several → an OCI
 * image index of per-platform OCI manifests. Config blobs carry the platform, as real images do.
 */
export function contentOfTag(repository: string, tag: Repository["tags"][number]) {
  const platforms = tag.platforms?.length ? tag.platforms : ["linux/amd64"];
  const blobs: Content[] = [];
  const manifests = platforms.map((platform) => {
    const oci = platforms.length > 1;
    const [os, architecture, variant] = platform.split("/");
    const platformJson = {
      architecture,
      os,
      ...(variant ? { variant } : {}),
      ...(os === "windows" ? { "os.version": "10.0.20348.2340" } : {}),
    };
    const layerDigest = sha256(`${repository}:${tag.name}:${platform}:layer`);
    const config = content(oci ? OCI_CONFIG : DOCKER_CONFIG, {
      ...platformJson,
      created: "2024-03-01T09:00:00Z",
      config: { Labels: { "org.opencontainers.image.ref.name": tag.name } },
      rootfs: { type: "layers", diff_ids: [sha256(`${layerDigest}:diff`)] },
    });
    blobs.push(config);
    const manifest = content(oci ? OCI_MANIFEST : DOCKER_MANIFEST, {
      schemaVersion: 2,
      mediaType: oci ? OCI_MANIFEST : DOCKER_MANIFEST,
      config: { mediaType: config.mediaType, size: Buffer.byteLength(config.text), digest: config.digest },
      layers: [{ mediaType: oci ? OCI_LAYER : DOCKER_LAYER, size: 31_457_280, digest: layerDigest }],
    });
    return { manifest, platform: platformJson };
  });
  if (manifests.length === 1) return { top: manifests[0]!.manifest, children: [], blobs };
  const index = content(OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: manifests.map(({ manifest, platform }) => ({
      mediaType: manifest.mediaType,
      size: Buffer.byteLength(manifest.text),
      digest: manifest.digest,
      platform,
    })),
  });
  return { top: index, children: manifests.map((m) => m.manifest), blobs };
}

function content(mediaType: string, value: unknown): Content {
  const text = JSON.stringify(value);
  return { mediaType, text, digest: sha256(text) };
}

function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}
