import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Lesion, ThumbnailWindow } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { InstanceRow } from '../catalogue/instances';
import { seriesSlices } from '../library/series-slices';
import { extractPatch, huSliceFromFrame, type Patch, type PatchNeighbours, type PatchSpec } from './patch';
import type { PixelSourceCache } from './pixel-sources';
import type { HuSlice } from './resample';
import { DEFAULT_THUMBNAIL_SPEC, encodePng, renderThumbnail, thumbnailCacheKey, type ThumbnailSpec } from './thumbnail';

/** Box outline of review thumbnails: a neutral accent; category colours frame thumbnails in the gallery. */
const THUMBNAIL_SPEC: ThumbnailSpec = { ...DEFAULT_THUMBNAIL_SPEC, boxColor: [255, 196, 0], lineWidthPx: 1 };

/** The windows the gallery switches between (the viewer's CT presets). */
export const THUMBNAIL_WINDOWS: Record<ThumbnailWindow, ThumbnailSpec['window']> = {
  'soft-tissue': { center: 40, width: 400 },
  lung: { center: -600, width: 1500 },
  bone: { center: 400, width: 1800 },
  liver: { center: 30, width: 150 },
};

/**
 * Pixels around lesions: key slices in HU, patches with neighbouring slices as extra channels, and review
 * thumbnails, rendered once and cached on disk by content (lesion geometry + image file + rendering).
 */
export function lesionImages(catalogue: Catalogue, sources: PixelSourceCache, options: { cacheDir: string | null }) {
  const thumbnailDir = options.cacheDir ? join(options.cacheDir, 'thumbnails') : null;

  /**
   * The last few decoded slices: embedding reads a key slice for its features, its patch and its thumbnail, and
   * lesions often share a key slice. Keyed by the file's identity too, so a replaced file is decoded again.
   */
  const recent = new Map<string, Promise<HuSlice>>();
  const RECENT = 4;
  function huSlice(instance: InstanceRow, frame: number): Promise<HuSlice> {
    const key = `${instance.id}:${frame}:${instance.filePath}:${instance.fileSize}:${instance.fileMtimeMs}`;
    const hit = recent.get(key);
    if (hit) {
      recent.delete(key);
      recent.set(key, hit);
      return hit;
    }
    const decoding = (async () => {
      const decoded = await (await sources.open(instance)).decodeFrame(frame);
      return huSliceFromFrame(decoded, instance.pixelSpacing ?? [1, 1]);
    })();
    decoding.catch(() => recent.delete(key));
    recent.set(key, decoding);
    while (recent.size > RECENT) recent.delete(recent.keys().next().value!);
    return decoding;
  }

  function thumbnailFile(lesion: Lesion, instance: InstanceRow, spec: ThumbnailSpec): string | null {
    if (!thumbnailDir) return null;
    const key = thumbnailCacheKey({
      lesionId: lesion.id,
      box: lesion.box,
      image: { path: instance.filePath, size: instance.fileSize, mtimeMs: instance.fileMtimeMs, frame: lesion.frame },
      spec,
    });
    return join(thumbnailDir, `${key}.png`);
  }

  function writeThumbnail(file: string, png: Buffer): void {
    mkdirSync(dirname(file), { recursive: true });
    // write then rename: a crash never leaves a half-written thumbnail under its final name
    const partial = `${file}.${process.pid}.${threadId}.tmp`;
    writeFileSync(partial, png);
    renameSync(partial, file);
  }

  const specFor = (window: ThumbnailWindow): ThumbnailSpec => ({ ...THUMBNAIL_SPEC, window: THUMBNAIL_WINDOWS[window] });

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
    async thumbnailPng(lesionId: number, window: ThumbnailWindow = 'soft-tissue'): Promise<Buffer | null> {
      const lesion = catalogue.lesions.get(lesionId);
      const instance = keyInstance(lesion);
      if (!instance) return null;
      const spec = specFor(window);
      const cached = thumbnailFile(lesion, instance, spec);
      if (cached && existsSync(cached)) return readFileSync(cached);
      const slice = await huSlice(instance, lesion.frame);
      const { rgba, width, height } = renderThumbnail(slice, lesion.box, spec);
      const png = Buffer.from(encodePng(rgba, width, height));
      if (cached) writeThumbnail(cached, png);
      return png;
    },

    /**
     * Renders the default thumbnail into the cache from a key slice already decoded (the embedding job does this,
     * so the gallery opens on thumbnails that are ready). Returns false when it was cached already.
     */
    cacheThumbnail(lesion: Lesion, slice: HuSlice): boolean {
      const instance = keyInstance(lesion);
      const spec = specFor('soft-tissue');
      const file = instance ? thumbnailFile(lesion, instance, spec) : null;
      if (!file || existsSync(file)) return false;
      const { rgba, width, height } = renderThumbnail(slice, lesion.box, spec);
      writeThumbnail(file, Buffer.from(encodePng(rgba, width, height)));
      return true;
    },
  };
}

export type LesionImages = ReturnType<typeof lesionImages>;
