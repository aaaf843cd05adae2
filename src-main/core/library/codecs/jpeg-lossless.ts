import { lossless } from 'jpeg-lossless-decoder-js';
import type { FrameDecoder } from './types';

/**
 * jpeg-lossless-decoder-js (what daikon and cornerstone use) drops the last sample when the final Huffman
 * code ends right before the EOI marker: its look-ahead meets the marker and it stops one unit early
 * (the last pixel of wg04 CT2_JPLL and of the cornerstone process-14 SV1 image). Zero bytes between the
 * entropy-coded data and EOI give the look-ahead something to read; nothing reads past the last pixel.
 */
export function padBeforeEndOfImage(stream: Uint8Array): Uint8Array {
  let end = stream.length;
  while (end >= 2 && !(stream[end - 2] === 0xff && stream[end - 1] === 0xd9)) end--;
  if (end < 2) return stream; // no EOI: leave it to the decoder
  const padded = new Uint8Array(end + 4);
  padded.set(stream.subarray(0, end - 2));
  padded.set([0, 0, 0, 0, 0xff, 0xd9], end - 2);
  return padded;
}

/** JPEG lossless, processes 14 and 14 SV1 (all predictors). */
export const decodeJpegLossless: FrameDecoder = async (stream) => {
  const padded = padBeforeEndOfImage(stream);
  const decoded = new lossless.Decoder().decode(padded.buffer.slice(padded.byteOffset, padded.byteOffset + padded.byteLength) as ArrayBuffer);
  return decoded;
};
