import type { Image } from 'daikon';
import type { SlicePixelType } from '../../contract';
import { frameDecoders } from './codecs';
import { parseDicom } from './dicom-header';
import { tagNumber, tagString } from './dicom-tags';
import { transferSyntax } from './transfer-syntaxes';

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** One decoded frame: stored values (apply the rescale to get modality values, HU for CT). */
export interface DecodedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  pixelType: SlicePixelType;
  stored: StoredArray;
  rescaleSlope: number;
  rescaleIntercept: number;
}

export class PixelDecodeError extends Error {}

/** HU (or the modality's unit) of a stored value: DICOM PS3.3 C.11.1.1.2. */
export function huFromStored(stored: number, slope: number, intercept: number): number {
  return stored * slope + intercept;
}

/** Every stored value of a frame converted to modality values. */
export function modalityValues(frame: DecodedFrame): Float32Array {
  const out = new Float32Array(frame.stored.length);
  const { rescaleSlope: slope, rescaleIntercept: intercept } = frame;
  for (let i = 0; i < out.length; i++) out[i] = frame.stored[i]! * slope + intercept;
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A DICOM file parsed once, whose frames can then be decoded one by one. Encapsulated pixel data is
 * decoded a frame at a time by our codecs (codecs/index.ts) or, for the other syntaxes, all at once by
 * daikon at the first request; keep the source while scrolling the frames of one object.
 */
export class DicomPixelSource {
  private readonly image: Image;
  private readonly transferSyntaxUid: string | null;
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  readonly photometric: string;
  readonly planarConfiguration: number;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  private wholeObject: DataView | null = null;
  private fragments: ArrayBuffer[] | null = null;

  constructor(bytes: Uint8Array) {
    const { image, error } = parseDicom(bytes);
    if (!image) throw new PixelDecodeError(`not a readable DICOM file: ${error}`);
    if (!image.hasPixelData()) throw new PixelDecodeError('the object has no pixel data');
    this.transferSyntaxUid = image.getTransferSyntax()?.replace(/\0/g, '') ?? null;
    const ts = transferSyntax(this.transferSyntaxUid);
    if (ts && !ts.decodable) throw new PixelDecodeError(`transfer syntax not decodable: ${ts.name}`);
    this.image = image;
    this.rows = tagNumber(image, 0x0028, 0x0010) ?? 0;
    this.columns = tagNumber(image, 0x0028, 0x0011) ?? 0;
    this.frames = Math.max(1, tagNumber(image, 0x0028, 0x0008) ?? 1);
    this.samplesPerPixel = tagNumber(image, 0x0028, 0x0002) ?? 1;
    this.bitsAllocated = tagNumber(image, 0x0028, 0x0100) ?? 16;
    this.bitsStored = tagNumber(image, 0x0028, 0x0101) ?? this.bitsAllocated;
    this.signed = (tagNumber(image, 0x0028, 0x0103) ?? 0) === 1;
    this.photometric = tagString(image, 0x0028, 0x0004) ?? 'MONOCHROME2';
    this.planarConfiguration = tagNumber(image, 0x0028, 0x0006) ?? 0;
    const slope = tagNumber(image, 0x0028, 0x1053) ?? 1;
    this.rescaleSlope = slope === 0 ? 1 : slope;
    this.rescaleIntercept = tagNumber(image, 0x0028, 0x1052) ?? 0;
    if (!this.rows || !this.columns) throw new PixelDecodeError('Rows or Columns missing');
  }

  private get samplesPerFrame(): number {
    return this.rows * this.columns * this.samplesPerPixel;
  }

  /** The bytes of one frame, little endian (or the object's own order for native big endian data). */
  private async frameBytes(frame: number): Promise<{ view: DataView; offset: number; little: boolean }> {
    const decoder = this.transferSyntaxUid ? frameDecoders[this.transferSyntaxUid] : undefined;
    if (decoder) {
      this.fragments ??= this.image.getJpegs();
      const stream = this.fragments[frame];
      if (!stream) throw new PixelDecodeError(`no compressed data for frame ${frame}`);
      let samples: Uint8Array | Uint16Array;
      try {
        samples = await decoder(new Uint8Array(stream), this);
      } catch (err) {
        throw new PixelDecodeError(`pixel data could not be decoded: ${message(err)}`);
      }
      const copy = samples.slice();
      return { view: new DataView(copy.buffer, copy.byteOffset, copy.byteLength), offset: 0, little: true };
    }
    if (!this.wholeObject) {
      let buffer: ArrayBuffer;
      try {
        buffer = this.image.getRawData();
      } catch (err) {
        throw new PixelDecodeError(`pixel data could not be decoded: ${message(err)}`);
      }
      if (!buffer) throw new PixelDecodeError('pixel data could not be decoded');
      this.wholeObject = new DataView(buffer);
    }
    const frameBytes = Math.ceil((this.samplesPerFrame * this.bitsAllocated) / 8);
    // daikon's decompressors write little endian; native data keeps the object's byte order
    const little = this.image.isCompressed() ? true : this.image.littleEndian;
    return { view: this.wholeObject, offset: this.bitsAllocated === 1 ? 0 : frame * frameBytes, little };
  }

  async decodeFrame(frame: number): Promise<DecodedFrame> {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frames) {
      throw new PixelDecodeError(`frame ${frame} out of range (the object has ${this.frames})`);
    }
    const { view, offset, little } = await this.frameBytes(frame);
    const samples = this.samplesPerFrame;
    const bits = this.bitsAllocated;
    const needed = bits === 1 ? Math.ceil((samples * (frame + 1)) / 8) : offset + Math.ceil((samples * bits) / 8);
    if (view.byteLength < needed) {
      throw new PixelDecodeError(`decoded pixel data has ${view.byteLength} bytes, ${needed} expected`);
    }
    let stored: StoredArray;
    let pixelType: SlicePixelType;
    if (bits === 1) {
      stored = unpackBits(view, frame * samples, samples);
      pixelType = 'uint8';
    } else if (bits === 8) {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, samples).slice();
      stored = this.signed ? new Int8Array(bytes.buffer) : bytes;
      pixelType = this.signed ? 'int8' : 'uint8';
    } else if (bits === 16) {
      stored = this.signed ? new Int16Array(samples) : new Uint16Array(samples);
      for (let i = 0; i < samples; i++) stored[i] = view.getUint16(offset + i * 2, little);
      pixelType = this.signed ? 'int16' : 'uint16';
    } else if (bits === 32) {
      stored = this.signed ? new Int32Array(samples) : new Uint32Array(samples);
      for (let i = 0; i < samples; i++) stored[i] = this.signed ? view.getInt32(offset + i * 4, little) : view.getUint32(offset + i * 4, little);
      pixelType = this.signed ? 'int32' : 'uint32';
    } else {
      throw new PixelDecodeError(`unsupported Bits Allocated ${bits}`);
    }
    if (bits > 1 && this.bitsStored < bits) maskStoredBits(stored, this.bitsStored, this.signed);
    if (this.samplesPerPixel === 3 && this.planarConfiguration === 1 && !this.image.isCompressed()) {
      stored = interleavePlanes(stored, this.rows * this.columns);
    }
    return {
      rows: this.rows,
      columns: this.columns,
      samplesPerPixel: this.samplesPerPixel,
      photometric: this.photometric,
      pixelType,
      stored,
      rescaleSlope: this.rescaleSlope,
      rescaleIntercept: this.rescaleIntercept,
    };
  }
}

/** Keeps the Bits Stored low bits: masks unsigned values and sign-extends signed ones (PS3.5 8.1.1). */
function maskStoredBits(values: StoredArray, bitsStored: number, signed: boolean): void {
  const shift = 32 - bitsStored;
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  for (let i = 0; i < values.length; i++) {
    values[i] = signed ? (values[i]! << shift) >> shift : values[i]! & mask;
  }
}

function unpackBits(raw: DataView, firstBit: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = firstBit + i;
    out[i] = (raw.getUint8(bit >> 3) >> (bit & 7)) & 1;
  }
  return out;
}

function interleavePlanes(values: StoredArray, planeSize: number): StoredArray {
  const out = new (values.constructor as new (n: number) => StoredArray)(values.length);
  for (let i = 0; i < planeSize; i++) {
    out[i * 3] = values[i]!;
    out[i * 3 + 1] = values[planeSize + i]!;
    out[i * 3 + 2] = values[2 * planeSize + i]!;
  }
  return out;
}
