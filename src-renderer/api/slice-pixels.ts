import type { SlicePixelsHeader } from '@contract';

export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

export interface SlicePixels {
  header: SlicePixelsHeader;
  pixels: PixelArray;
}

const constructors = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
} as const;

/** Decodes the SlicePixels container (contract/resources.ts). */
export function decodeSlicePixels(buffer: ArrayBuffer): SlicePixels {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0);
  if (magic !== 'LWPX') throw new Error('not a slice pixel container');
  const headerLength = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as SlicePixelsHeader;
  const offset = Math.ceil((8 + headerLength) / 8) * 8;
  const Ctor = constructors[header.pixelType];
  const count = header.rows * header.columns * header.samplesPerPixel;
  if (offset + count * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) throw new Error('slice pixel container is truncated');
  return { header, pixels: new Ctor(buffer, offset, count) };
}
