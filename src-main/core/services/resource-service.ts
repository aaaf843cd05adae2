import type { ThumbnailWindow } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { LesionImages } from '../imaging/lesion-images';
import type { PixelSourceCache } from '../imaging/pixel-sources';
import { encodeSlicePixels } from '../imaging/slice-pixels';
import { PixelDecodeError } from '../library/dicom-pixels';

export interface Resource {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * Binary resources for the renderer (contract/resources.ts), served by the shell's app:// protocol and the
 * host's /resources route alike. Returns an HTTP-like status instead of throwing.
 */
export function resourceService(catalogue: Catalogue, sources: PixelSourceCache, lesionImages: LesionImages) {
  const text = (status: number, message: string): Resource => ({ status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(message) });
  const failure = (err: unknown, what: string): Resource =>
    text(422, err instanceof PixelDecodeError ? err.message : `cannot read ${what}: ${(err as Error).message}`);

  return {
    async get(path: string): Promise<Resource> {
      const slice = /^slice\/(\d{1,12})\/(\d{1,6})$/.exec(path);
      if (slice) {
        const instanceId = Number(slice[1]);
        const frame = Number(slice[2]);
        const instance = catalogue.instances.get(instanceId);
        if (!instance || frame >= instance.frames) return text(404, `no frame ${frame} of instance ${instanceId}`);
        try {
          const decoded = await (await sources.open(instance)).decodeFrame(frame);
          return { status: 200, contentType: 'application/octet-stream', body: encodeSlicePixels(decoded) };
        } catch (err) {
          return failure(err, instance.filePath);
        }
      }
      const thumbnail = /^thumbnail\/(\d{1,12})(?:\/(soft-tissue|lung|bone|liver))?$/.exec(path);
      if (thumbnail) {
        try {
          const png = await lesionImages.thumbnailPng(Number(thumbnail[1]), (thumbnail[2] as ThumbnailWindow | undefined) ?? 'soft-tissue');
          return png ? { status: 200, contentType: 'image/png', body: png } : text(404, `lesion ${thumbnail[1]} has no image in the library`);
        } catch (err) {
          return failure(err, `the image of lesion ${thumbnail[1]}`);
        }
      }
      return text(404, 'unknown resource');
    },
  };
}

export type ResourceService = ReturnType<typeof resourceService>;
