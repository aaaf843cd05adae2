import { readFile } from 'node:fs/promises';
import type { Catalogue } from '../catalogue/catalogue';
import { encodeSlicePixels } from '../imaging/slice-pixels';
import { DicomPixelSource, PixelDecodeError } from '../library/dicom-pixels';

export interface Resource {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Parsed files kept for scrolling: multi-frame objects decode once, not once per frame. */
const SOURCE_CACHE_SIZE = 8;

/**
 * Binary resources for the renderer (contract/resources.ts), served by the shell's app:// protocol and the
 * host's /resources route alike. Returns an HTTP-like status instead of throwing.
 */
export function resourceService(catalogue: Catalogue) {
  const sources = new Map<number, Promise<DicomPixelSource>>();

  const pixelSource = (instanceId: number, filePath: string): Promise<DicomPixelSource> => {
    let source = sources.get(instanceId);
    if (source) {
      sources.delete(instanceId);
    } else {
      source = readFile(filePath).then((bytes) => new DicomPixelSource(bytes));
      source.catch(() => sources.delete(instanceId));
    }
    sources.set(instanceId, source);
    while (sources.size > SOURCE_CACHE_SIZE) sources.delete(sources.keys().next().value!);
    return source;
  };

  const text = (status: number, message: string): Resource => ({ status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(message) });

  return {
    async get(path: string): Promise<Resource> {
      const slice = /^slice\/(\d{1,12})\/(\d{1,6})$/.exec(path);
      if (!slice) return text(404, 'unknown resource');
      const instanceId = Number(slice[1]);
      const frame = Number(slice[2]);
      const instance = catalogue.instances.get(instanceId);
      if (!instance || frame >= instance.frames) return text(404, `no frame ${frame} of instance ${instanceId}`);
      try {
        const decoded = await (await pixelSource(instanceId, instance.filePath)).decodeFrame(frame);
        return { status: 200, contentType: 'application/octet-stream', body: encodeSlicePixels(decoded) };
      } catch (err) {
        const reason = err instanceof PixelDecodeError ? err.message : `cannot read ${instance.filePath}: ${(err as Error).message}`;
        return text(422, reason);
      }
    },
    clear: () => sources.clear(),
  };
}

export type ResourceService = ReturnType<typeof resourceService>;
