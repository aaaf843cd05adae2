import openJpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import { dirname, join } from 'node:path';
import type { FrameDecoder } from './types';

type OpenJpeg = Awaited<ReturnType<typeof openJpegFactory>>;
let openJpeg: Promise<OpenJpeg> | null = null;

/**
 * JPEG 2000 with OpenJPEG (the reference codec, compiled to WebAssembly by cornerstone). daikon's bundled
 * pdf.js decoder is off by one in about a quarter of the pixels of pydicom's MR_small_jp2klossless.
 */
function loadOpenJpeg(): Promise<OpenJpeg> {
  if (!openJpeg) {
    const dir = dirname(require.resolve('@cornerstonejs/codec-openjpeg/decodewasmjs'));
    openJpeg = openJpegFactory({ locateFile: (file) => join(dir, file), print: () => undefined, printErr: () => undefined });
  }
  return openJpeg;
}

export const decodeJpeg2000: FrameDecoder = async (stream, layout) => {
  const codec = await loadOpenJpeg();
  const decoder = new codec.J2KDecoder();
  try {
    decoder.getEncodedBuffer(stream.length).set(stream);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width !== layout.columns || info.height !== layout.rows) {
      throw new Error(`JPEG 2000 codestream is ${info.width}x${info.height}, the header says ${layout.columns}x${layout.rows}`);
    }
    const bytes = decoder.getDecodedBuffer().slice(); // copy out of the WebAssembly heap
    return info.bitsPerSample > 8 ? new Uint16Array(bytes.buffer, 0, bytes.byteLength >> 1) : bytes;
  } finally {
    decoder.delete();
  }
};
