import { decode } from 'fast-png';
import { closeSync, openSync, readSync } from 'node:fs';
import type { DecodedFrame } from './dicom-pixels';
import { PixelDecodeError } from './dicom-pixels';
import { DEEPLESION_HU_OFFSET } from './deeplesion';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** PNG colour type: 0 greyscale, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  colourType: number;
}

/** Reads the IHDR chunk (the first 33 bytes) without decoding the image. */
export function readPngHeader(path: string): PngHeader | { error: string } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(33);
    const n = readSync(fd, head, 0, 33, 0);
    if (n < 33 || SIGNATURE.some((b, i) => head[i] !== b)) return { error: 'not a PNG file' };
    if (head.toString('ascii', 12, 16) !== 'IHDR') return { error: 'PNG without an IHDR chunk' };
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20), bitDepth: head[24]!, colourType: head[25]! };
  } finally {
    closeSync(fd);
  }
}

/** Why a PNG is not a DeepLesion slice, or null when it is one (16-bit greyscale). */
export function deepLesionPngProblem(header: PngHeader): string | null {
  if (header.colourType !== 0 || header.bitDepth !== 16) {
    return `DeepLesion slices are 16-bit greyscale PNGs; this one has ${header.bitDepth}-bit samples of colour type ${header.colourType}`;
  }
  return null;
}

/** A DeepLesion slice as a frame of stored values with the release's rescale (HU = value - 32768). */
export function decodeDeepLesionPng(bytes: Uint8Array): DecodedFrame {
  let image;
  try {
    image = decode(bytes);
  } catch (err) {
    throw new PixelDecodeError(`PNG could not be decoded: ${(err as Error).message}`);
  }
  if (image.depth !== 16 || image.channels !== 1 || !(image.data instanceof Uint16Array)) {
    throw new PixelDecodeError(`expected a 16-bit greyscale PNG, found ${image.depth}-bit with ${image.channels} channel(s)`);
  }
  return {
    rows: image.height,
    columns: image.width,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    pixelType: 'uint16',
    stored: image.data,
    rescaleSlope: 1,
    rescaleIntercept: -DEEPLESION_HU_OFFSET,
  };
}
