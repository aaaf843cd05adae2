// The parts of daikon (no bundled types) that the library uses.
declare module 'daikon' {
  export interface Tag {
    group: number;
    element: number;
    vr: string;
    offsetStart: number;
    offsetValue: number;
    offsetEnd: number;
    /** Parsed values: strings, numbers, Dates, nested Tags for sequences/items, or raw bytes. */
    value: unknown;
  }
  export class Image {
    tags: Record<string, Tag>;
    littleEndian: boolean;
    getTag(group: number, element: number): Tag | undefined;
    getPixelData(): Tag | undefined;
    hasPixelData(): boolean;
    isCompressed(): boolean;
    isCompressedRLE(): boolean;
    getRawData(): ArrayBuffer;
    /** The encapsulated JPEG streams, one per frame. */
    getJpegs(): ArrayBuffer[];
    getTransferSyntax(): string | null;
  }
  export class Parser {
    constructor();
    error: unknown;
    inflated?: ArrayBuffer;
    parse(data: DataView): Image | null;
    hasError(): boolean;
    static verbose: boolean;
  }
  const daikon: { Parser: typeof Parser; Image: typeof Image };
  export default daikon;
}

declare module 'daikon/lib/jpeg-baseline.js' {
  /** pdf.js's baseline/extended JPEG decoder as daikon bundles it. */
  export class JpegImage {
    width: number;
    height: number;
    components: unknown[];
    parse(data: Uint8Array): void;
    getData(width: number, height: number): Uint8Array;
    getData16(width: number, height: number): Uint16Array;
  }
}

declare module 'jpeg-lossless-decoder-js' {
  export const lossless: {
    Decoder: new () => { decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array };
  };
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  interface J2KDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    decode(): void;
    getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
    getDecodedBuffer(): Uint8Array;
    delete(): void;
  }
  interface OpenJpegModule {
    J2KDecoder: new () => J2KDecoder;
  }
  const factory: (options: { locateFile?: (file: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<OpenJpegModule>;
  export default factory;
}
