import type { Lesion } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { EmbeddingGroupLayout } from '../catalogue/embeddings';
import type { LesionImages } from '../imaging/lesion-images';
import type { HuSlice } from '../imaging/resample';
import { patchPreprocessing, type ModelManifest } from '../inference/manifest';
import { runInBatches, type LoadedModel } from '../inference/session';
import { seriesSlices } from '../library/series-slices';
import { INTENSITY_FEATURES, intensityFeatures, LOCATION_FEATURES, locationFeatures, SIZE_FEATURES, sizeFeatures, WINDOW_FEATURES, windowFeatures } from './features';

/** The vector layout an embedding model gives: its image features first, then the catalogue's groups. */
export function embeddingLayout(manifest: ModelManifest): EmbeddingGroupLayout[] {
  const width = manifest.outputs[0]!.shape.at(-1);
  if (typeof width !== 'number') throw new Error(`${manifest.name}: the embedding width must be fixed in the manifest`);
  return [
    { name: 'texture', length: width },
    { name: 'intensity', length: INTENSITY_FEATURES.length },
    { name: 'size', length: SIZE_FEATURES.length },
    { name: 'location', length: LOCATION_FEATURES.length },
    { name: 'window', length: WINDOW_FEATURES.length },
  ];
}

export interface EmbeddedLesion {
  lesionId: number;
  vector: Float32Array;
  hasPixels: boolean;
}

export interface EmbedBatchResult {
  results: EmbeddedLesion[];
  /** Lesions embedded without their image groups because the image could not be read, with the reason. */
  failures: { lesionId: number; reason: string }[];
}

export interface EmbedderContext {
  catalogue: Catalogue;
  images: LesionImages;
  model: LoadedModel;
  batchSize: number;
}

/**
 * Embeds lesions: texture from the model over the lesion patch, HU statistics, size and location. A lesion
 * whose image is not in the library (or cannot be read) gets NaN image groups and is marked as such.
 */
export async function embedLesions(ctx: EmbedderContext, lesionIds: readonly number[]): Promise<EmbedBatchResult> {
  const { manifest } = ctx.model;
  const layout = embeddingLayout(manifest);
  const width = layout.reduce((a, g) => a + g.length, 0);
  const textureWidth = layout[0]!.length;
  const pre = patchPreprocessing(manifest);
  const spec = { sizePx: pre.patchSize, mmPerPixel: pre.mmPerPixel, windows: pre.windows, contextSlices: pre.contextSlices };
  const perPatch = pre.windows.length * (1 + 2 * pre.contextSlices) * pre.patchSize * pre.patchSize;
  const positions = new Map<number, { index: Map<string, number>; count: number }>();
  const failures: EmbedBatchResult['failures'] = [];

  const lesions: Lesion[] = [];
  for (const id of lesionIds) {
    try {
      lesions.push(ctx.catalogue.lesions.get(id));
    } catch {
      // deleted since the batch was planned
    }
  }

  const rows: { lesion: Lesion; vector: Float32Array; patch: Float32Array | null }[] = [];
  for (const lesion of lesions) {
    const vector = new Float32Array(width).fill(Number.NaN);
    let slice: HuSlice | null = null;
    let patch: Float32Array | null = null;
    if (lesion.instanceId !== null) {
      try {
        slice = await ctx.images.keySlice(lesion);
        patch = (await ctx.images.patch(lesion, spec))?.channels ?? null;
        try {
          // the gallery's thumbnail, from the slice decoded anyway: the review opens on ready thumbnails
          if (slice) ctx.images.cacheThumbnail(lesion, slice);
        } catch {
          // a full or read-only cache only costs the gallery a render later
        }
      } catch (err) {
        failures.push({ lesionId: lesion.id, reason: (err as Error).message });
        slice = null;
        patch = null;
      }
    }
    let where: { sliceIndex: number | null; sliceCount: number | null } = { sliceIndex: null, sliceCount: null };
    if (lesion.seriesId !== null && lesion.instanceId !== null) {
      let series = positions.get(lesion.seriesId);
      if (!series) {
        const { slices } = seriesSlices(ctx.catalogue, lesion.seriesId);
        series = { index: new Map(slices.map((s, i) => [`${s.instanceId}:${s.frame}`, i])), count: slices.length };
        positions.set(lesion.seriesId, series);
      }
      where = { sliceIndex: series.index.get(`${lesion.instanceId}:${lesion.frame}`) ?? null, sliceCount: series.count };
    }
    let offset = textureWidth;
    if (slice) vector.set(intensityFeatures(slice, lesion.box), offset);
    offset += INTENSITY_FEATURES.length;
    vector.set(sizeFeatures(lesion), offset);
    offset += SIZE_FEATURES.length;
    vector.set(locationFeatures(lesion, { slice, ...where }), offset);
    offset += LOCATION_FEATURES.length;
    const presets = lesion.instanceId !== null ? (ctx.catalogue.instances.get(lesion.instanceId)?.windowPresets ?? []) : [];
    vector.set(windowFeatures(lesion, presets), offset);
    rows.push({ lesion, vector, patch: patch && patch.length === perPatch ? patch : null });
  }

  const withPatch = rows.filter((r) => r.patch);
  if (withPatch.length) {
    const input = new Float32Array(withPatch.length * perPatch);
    withPatch.forEach((r, i) => input.set(r.patch!, i * perPatch));
    const { output, width: got } = await runInBatches(ctx.model, input, withPatch.length, ctx.batchSize);
    if (got !== textureWidth) throw new Error(`${manifest.name}: the model gave ${got} features, its manifest says ${textureWidth}`);
    withPatch.forEach((r, i) => r.vector.set(output.subarray(i * textureWidth, (i + 1) * textureWidth), 0));
  }
  return { results: rows.map((r) => ({ lesionId: r.lesion.id, vector: r.vector, hasPixels: r.patch !== null })), failures };
}
