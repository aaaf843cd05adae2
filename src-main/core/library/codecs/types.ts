/** What a codec needs to know of the frame it decodes (from the DICOM header, not the codestream). */
export interface FrameLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/**
 * Decodes one frame's compressed stream to samples: Uint8Array for 8-bit data, Uint16Array (the raw 16-bit
 * patterns, signed or not) for wider data, interleaved for colour.
 */
export type FrameDecoder = (stream: Uint8Array, layout: FrameLayout) => Promise<Uint8Array | Uint16Array>;
