import { readFile } from 'node:fs/promises';
import type { InstanceRow } from '../catalogue/instances';
import { DicomPixelSource, type DecodedFrame } from '../library/dicom-pixels';
import { decodeDeepLesionPng } from '../library/png-slices';

/** Frames of one stored image, whatever its format. */
export interface PixelSource {
  decodeFrame(frame: number): Promise<DecodedFrame>;
}

/** How each instance format is opened: a registry, so a new format is one line and its decoder. */
const pixelSourceOpeners: Record<InstanceRow['format'], (bytes: Uint8Array) => PixelSource> = {
  dicom: (bytes) => new DicomPixelSource(bytes),
  png16: (bytes) => {
    const frame = decodeDeepLesionPng(bytes);
    return { decodeFrame: async () => frame };
  },
};

export async function openPixelSource(instance: Pick<InstanceRow, 'format' | 'filePath'>): Promise<PixelSource> {
  return pixelSourceOpeners[instance.format](await readFile(instance.filePath));
}

/**
 * Recently opened images, so scrolling a multi-frame object or extracting neighbouring slices parses each
 * file once. Least recently used first out.
 */
export class PixelSourceCache {
  private readonly sources = new Map<number, Promise<PixelSource>>();

  constructor(private readonly capacity = 16) {}

  open(instance: Pick<InstanceRow, 'id' | 'format' | 'filePath'>): Promise<PixelSource> {
    let source = this.sources.get(instance.id);
    if (source) {
      this.sources.delete(instance.id);
    } else {
      source = openPixelSource(instance);
      source.catch(() => this.sources.delete(instance.id));
    }
    this.sources.set(instance.id, source);
    while (this.sources.size > this.capacity) this.sources.delete(this.sources.keys().next().value!);
    return source;
  }

  clear(): void {
    this.sources.clear();
  }
}
