import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesion } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { InstanceRow } from '../catalogue/instances';
import { seriesSlices } from '../library/series-slices';
import { extractPatch, huSliceFromFrame, type Patch, type PatchNeighbours, type PatchSpec } from './patch';
import type { PixelSourceCache } from './pixel-sources';
import type { HuSlice } from './resample';
import { DEFAULT_THUMBNAIL_SPEC, encodePng, renderThumbnail, thumbnailCacheKey, type ThumbnailSpec } from './thumbnail';

/** Box outline of review thumbnails: a neutral accent; category colours frame thumbnails in the gallery. */
const THUMBNAIL_SPEC: ThumbnailSpec = { ...DEFAULT_THUMBNAIL_SPEC, boxColor: [255, 196, 0], lineWidthPx: 1 };

/**
 * Pixels around lesions: key slices in HU, patches with neighbouring slices as extra channels, and review
 * thumbnails, rendered once and cached on disk by content (lesion geometry + image file + rendering).
 */
export function lesionImages(catalogue: Catalogue, sources: PixelSourceCache, options: { cacheDir: string | null }) {
  const thumbnailDir = options.cacheDir ? join(options.cacheDir, 'thumbnails') : null;

  async function huSlice(instance: InstanceRow, frame: number): Promise<HuSlice> {
    const decoded = await (await sources.open(instance)).decodeFrame(frame);
    return huSliceFromFrame(decoded, instance.pixelSpacing ?? [1, 1]);
  }

  function keyInstance(lesion: Lesion): InstanceRow | null {
    return lesion.instanceId === null ? null : (catalogue.instances.get(lesion.instanceId) ?? null);
  }

  /** Up to `count` slices on each side of the key slice, nearest first, that share its grid. */
  async function neighbours(lesion: Lesion, count: number, key: HuSlice): Promise<PatchNeighbours> {
    if (!count || lesion.seriesId === null) return {};
    const { slices } = seriesSlices(catalogue, lesion.seriesId);
    const at = slices.findIndex((s) => s.instanceId === lesion.instanceId && s.frame === lesion.frame);
    if (at < 0) return {};
    const load = async (indices: number[]) => {
      const out: HuSlice[] = [];
      for (const i of indices) {
        const s = slices[i];
        const instance = s && catalogue.instances.get(s.instanceId);
        if (!s || !instance) break;
        const slice = await huSlice(instance, s.frame);
        // a neighbour on another grid (a localiser in the series) is not context
        if (slice.rows !== key.rows || slice.columns !== key.columns || slice.pixelSpacing[0] !== key.pixelSpacing[0] || slice.pixelSpacing[1] !== key.pixelSpacing[1]) break;
        out.push(slice);
      }
      return out;
    };
    const range = (from: number, step: number) => Array.from({ length: count }, (_, k) => from + step * (k + 1)).filter((i) => i >= 0 && i < slices.length);
    return { before: await load(range(at, -1)), after: await load(range(at, 1)) };
  }

  return {
    /** The key slice in HU, or null while the image is not in the library. */
    async keySlice(lesion: Lesion): Promise<HuSlice | null> {
      const instance = keyInstance(lesion);
      return instance ? huSlice(instance, lesion.frame) : null;
    },

    /** A fixed-physical-size patch around the lesion box, with context slices where the volume has them. */
    async patch(lesion: Lesion, spec: PatchSpec): Promise<Patch | null> {
      const instance = keyInstance(lesion);
      if (!instance) return null;
      const key = await huSlice(instance, lesion.frame);
      return extractPatch(key, lesion.box, spec, await neighbours(lesion, spec.contextSlices, key));
    },

    /** The lesion's review thumbnail as PNG; null when its image is not in the library. */
    async thumbnailPng(lesionId: number): Promise<Buffer | null> {
      const lesion = catalogue.lesions.get(lesionId);
      const instance = keyInstance(lesion);
      if (!instance) return null;
      const key = thumbnailCacheKey({
        lesionId,
        box: lesion.box,
        image: { path: instance.filePath, size: instance.fileSize, mtimeMs: instance.fileMtimeMs, frame: lesion.frame },
        spec: THUMBNAIL_SPEC,
      });
      const cached = thumbnailDir ? join(thumbnailDir, `${key}.png`) : null;
      if (cached && existsSync(cached)) return readFileSync(cached);
      const slice = await huSlice(instance, lesion.frame);
      const { rgba, width, height } = renderThumbnail(slice, lesion.box, THUMBNAIL_SPEC);
      const png = Buffer.from(encodePng(rgba, width, height));
      if (cached && thumbnailDir) {
        mkdirSync(thumbnailDir, { recursive: true });
        // write then rename: a crash never leaves a half-written thumbnail under its final name
        const partial = `${cached}.${process.pid}.tmp`;
        writeFileSync(partial, png);
        renameSync(partial, cached);
      }
      return png;
    },
  };
}

export type LesionImages = ReturnType<typeof lesionImages>;
