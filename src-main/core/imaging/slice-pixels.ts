import type { SlicePixelsHeader } from '../../contract';
import type { DecodedFrame } from '../library/dicom-pixels';

/** Encodes a decoded frame in the SlicePixels container described in contract/resources.ts. */
export function encodeSlicePixels(frame: DecodedFrame): Buffer {
  let min = Infinity;
  let max = -Infinity;
  for (const v of frame.stored) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const header: SlicePixelsHeader = {
    rows: frame.rows,
    columns: frame.columns,
    samplesPerPixel: frame.samplesPerPixel,
    pixelType: frame.pixelType,
    rescaleSlope: frame.rescaleSlope,
    rescaleIntercept: frame.rescaleIntercept,
    photometric: frame.photometric,
    minStored: Number.isFinite(min) ? min : 0,
    maxStored: Number.isFinite(max) ? max : 0,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pixelOffset = Math.ceil((8 + json.length) / 8) * 8;
  const pixels = Buffer.from(frame.stored.buffer, frame.stored.byteOffset, frame.stored.byteLength);
  const out = Buffer.alloc(pixelOffset + pixels.length);
  out.write('LWPX', 0, 'ascii');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  // typed arrays are in platform byte order; every platform Electron ships on is little endian
  pixels.copy(out, pixelOffset);
  return out;
}
