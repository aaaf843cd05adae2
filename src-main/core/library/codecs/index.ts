import { decodeJpeg2000 } from './jpeg2000';
import { decodeJpegBaseline } from './jpeg-baseline';
import { decodeJpegLossless } from './jpeg-lossless';
import type { FrameDecoder } from './types';

/**
 * Codecs we run ourselves on daikon's fragments, by transfer syntax. Syntaxes not listed (RLE, JPEG-LS,
 * deflate, native) are decoded by daikon itself; every one is checked against references in the tests.
 */
export const frameDecoders: Readonly<Record<string, FrameDecoder>> = {
  '1.2.840.10008.1.2.4.50': decodeJpegBaseline,
  '1.2.840.10008.1.2.4.51': decodeJpegBaseline,
  '1.2.840.10008.1.2.4.57': decodeJpegLossless,
  '1.2.840.10008.1.2.4.70': decodeJpegLossless,
  '1.2.840.10008.1.2.4.90': decodeJpeg2000,
  '1.2.840.10008.1.2.4.91': decodeJpeg2000,
};

export type { FrameDecoder, FrameLayout } from './types';
