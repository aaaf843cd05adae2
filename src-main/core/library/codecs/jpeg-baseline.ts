import { JpegImage } from 'daikon/lib/jpeg-baseline.js';
import type { FrameDecoder } from './types';

/**
 * Removes fill bytes (extra 0xFF before a marker, ISO 10918-1 B.1.1.2), walking the marker segments so that
 * 0xFF bytes inside segment payloads (tables, APPn data) and stuffed bytes in scans are left alone.
 * The bundled decoder rejects fill bytes ("unknown JPEG marker ffff"); real archives contain them.
 */
export function withoutFillBytes(jpeg: Uint8Array): Uint8Array {
  const out = new Uint8Array(jpeg.length);
  let o = 0;
  let i = 0;
  const copy = (n: number) => {
    out.set(jpeg.subarray(i, i + n), o);
    o += n;
    i += n;
  };
  while (i < jpeg.length) {
    if (jpeg[i] !== 0xff) {
      copy(1); // bytes between segments: shouldn't exist; keep them so the decoder reports them
      continue;
    }
    while (jpeg[i + 1] === 0xff) i++; // fill bytes
    const marker = jpeg[i + 1];
    if (marker === undefined) break;
    const standalone = marker === 0xd8 || marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
    if (standalone) {
      copy(2);
      continue;
    }
    const length = ((jpeg[i + 2] ?? 0) << 8) | (jpeg[i + 3] ?? 0);
    copy(Math.min(2 + length, jpeg.length - i));
    if (marker === 0xda) {
      // entropy-coded data runs to the next marker that is neither a stuffed 0x00 nor a restart marker
      while (i < jpeg.length) {
        const next = jpeg[i + 1];
        if (jpeg[i] === 0xff && next !== undefined && next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) break;
        copy(1);
      }
    }
  }
  return o === jpeg.length ? jpeg : out.slice(0, o);
}

/**
 * The bundled decoder level-shifts 12-bit samples by trunc(2056 / (255 / 4095)) / 16 = 2063.5 instead of
 * 2048 + 0.5 (ISO 10918-1 A.3.1), so every 12-bit sample comes out 15 too high; 8-bit samples are right.
 * Checked against dcmtk's dcmdjpeg in test/unit/core/library/dicom-pixels.test.ts.
 */
function levelShiftError(decoder: JpegImage): number {
  const bitConversion = (decoder.components[0] as { bitConversion?: number } | undefined)?.bitConversion ?? 1;
  const precision = Math.round(Math.log2(255 / bitConversion + 1));
  if (precision <= 8) return 0;
  const used = Math.trunc(2056 / bitConversion);
  const correct = (1 << (precision - 1)) * 16 + 8;
  return Math.round((used - correct) / 16);
}

/** JPEG baseline and extended (processes 1, 2 and 4) with daikon's bundled pdf.js decoder, repaired as above. */
export const decodeJpegBaseline: FrameDecoder = async (stream, layout) => {
  const decoder = new JpegImage();
  decoder.parse(withoutFillBytes(stream));
  if (layout.bitsAllocated <= 8) return decoder.getData(decoder.width, decoder.height);
  const data = decoder.getData16(decoder.width, decoder.height);
  const shift = levelShiftError(decoder);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(0, data[i]! - shift);
  return out;
};
