import daikon, { type Image, type Tag } from 'daikon';
import type { WindowPreset } from '../../contract';
import type { InstanceFields } from '../catalogue/instances';
import type { PatientFields } from '../catalogue/patients';
import type { SeriesFields } from '../catalogue/series';
import type { StudyFields } from '../catalogue/studies';
import { positionAlongNormal, type Orientation, type Vec3 } from './geometry';
import { firstNestedItem, sequenceItems, tagDate, tagNumber, tagNumbers, tagString, tagStrings } from './dicom-tags';
import { transferSyntax } from './transfer-syntaxes';

export interface DicomHeader {
  patient: PatientFields;
  study: StudyFields;
  series: SeriesFields;
  instance: InstanceFields;
}

export type HeaderResult = { ok: true; header: DicomHeader } | { ok: false; reason: string };

/**
 * daikon slices tag values out of `data.buffer` with absolute offsets, so it must see a DataView over a
 * buffer of its own (Node's small-file Buffers are views into a shared pool).
 */
export function dataViewOf(bytes: Uint8Array): DataView {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  return new DataView(own.buffer as ArrayBuffer, 0, own.byteLength);
}

/** Parses with daikon; returns the image and the parser's error message, if any. */
export function parseDicom(bytes: Uint8Array): { image: Image | null; error: string | null; inflatedLength: number | null } {
  if (bytes.byteLength === 0) return { image: null, error: 'empty file (0 bytes)', inflatedLength: null };
  const minimum = 132; // 128-byte preamble + "DICM", or the smallest useful raw data set
  if (bytes.byteLength < minimum) {
    return { image: null, error: `file too short for DICOM (${bytes.byteLength} bytes)`, inflatedLength: null };
  }
  const parser = new daikon.Parser();
  let image: Image | null;
  try {
    image = parser.parse(dataViewOf(padForDaikon(bytes)));
  } catch (err) {
    return { image: null, error: describeError(err), inflatedLength: null };
  }
  // Deflated data sets are inflated by daikon; tag offsets then refer to the inflated bytes.
  const inflatedLength = parser.inflated ? parser.inflated.byteLength : null;
  return { image, error: parser.hasError() ? describeError(parser.error) : null, inflatedLength };
}

/** daikon scans up to byte 643 for the prefix; pad short files with zeros so the scan cannot run off the end. */
function padForDaikon(bytes: Uint8Array): Uint8Array {
  const scanEnd = 644;
  if (bytes.byteLength >= scanEnd) return bytes;
  const padded = new Uint8Array(scanEnd);
  padded.set(bytes);
  return padded;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown parser error';
}

function int(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}

function orientationOf(source: Image | Tag[] | undefined): Orientation | null {
  if (!source) return null;
  const v = tagNumbers(source, 0x0020, 0x0037);
  return v.length === 6 ? (v as Orientation) : null;
}

function positionOf(source: Image | Tag[] | undefined): Vec3 | null {
  if (!source) return null;
  const v = tagNumbers(source, 0x0020, 0x0032);
  return v.length === 3 ? (v as Vec3) : null;
}

function spacingOf(source: Image | Tag[] | undefined): [number, number] | null {
  if (!source) return null;
  const v = tagNumbers(source, 0x0028, 0x0030);
  return v.length >= 2 && v[0]! > 0 && v[1]! > 0 ? [v[0]!, v[1]!] : null;
}

function windowsOf(source: Image | Tag[] | undefined): WindowPreset[] {
  if (!source) return [];
  const centers = tagNumbers(source, 0x0028, 0x1050);
  const widths = tagNumbers(source, 0x0028, 0x1051);
  const names = tagStrings(source, 0x0028, 0x1055);
  const presets: WindowPreset[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (widths[i]! <= 0) continue;
    presets.push({ name: names[i] || `Preset ${i + 1}`, center: centers[i]!, width: widths[i]! });
  }
  return presets;
}

/** Functional groups of enhanced multi-frame objects: shared first, then per frame. */
function functionalGroups(image: Image) {
  const shared = sequenceItems(image, 0x5200, 0x9229)[0];
  const perFrame = sequenceItems(image, 0x5200, 0x9230);
  const pick = (group: number, element: number, frame = 0) =>
    firstNestedItem(shared, group, element) ?? firstNestedItem(perFrame[frame], group, element);
  return { shared, perFrame, pick };
}

function bytesPerFrame(rows: number, columns: number, samples: number, bitsAllocated: number): number {
  return Math.ceil((rows * columns * samples * bitsAllocated) / 8);
}

/** Reads everything the catalogue keeps about one DICOM file, or why it cannot be catalogued. */
export function readDicomHeader(bytes: Uint8Array, fileSize = bytes.byteLength): HeaderResult {
  const { image, error, inflatedLength } = parseDicom(bytes);
  if (!image) return { ok: false, reason: `not a readable DICOM file: ${error}` };
  const dataLength = inflatedLength ?? fileSize;

  const sopInstanceUid = tagString(image, 0x0008, 0x0018);
  const studyInstanceUid = tagString(image, 0x0020, 0x000d);
  const seriesInstanceUid = tagString(image, 0x0020, 0x000e);
  const missing = [
    !sopInstanceUid && 'SOP Instance UID (0008,0018)',
    !studyInstanceUid && 'Study Instance UID (0020,000D)',
    !seriesInstanceUid && 'Series Instance UID (0020,000E)',
  ].filter(Boolean);
  if (missing.length) {
    const why = error ? ` (parser stopped: ${error})` : Object.keys(image.tags).length === 0 ? ' (no data elements found)' : '';
    return { ok: false, reason: `not a catalogueable DICOM object: missing ${missing.join(', ')}${why}` };
  }
  if (error) return { ok: false, reason: `DICOM file is damaged: ${error}` };

  const tsUid = tagString(image, 0x0002, 0x0010)?.replace(/\0/g, '') ?? null;
  const pixelTag = image.getPixelData();
  const hasPixels = pixelTag !== undefined && image.hasPixelData();
  const rows = int(tagNumber(image, 0x0028, 0x0010));
  const columns = int(tagNumber(image, 0x0028, 0x0011));
  const bitsAllocated = int(tagNumber(image, 0x0028, 0x0100));
  const samplesPerPixel = int(tagNumber(image, 0x0028, 0x0002)) ?? 1;
  const declaredFrames = int(tagNumber(image, 0x0028, 0x0008));
  const frames = hasPixels ? Math.max(1, declaredFrames ?? 1) : 0;

  if (hasPixels) {
    if (!rows || !columns) return { ok: false, reason: 'pixel data present but Rows (0028,0010) or Columns (0028,0011) missing or zero' };
    if (!bitsAllocated || ![1, 8, 16, 32].includes(bitsAllocated)) {
      return { ok: false, reason: `unsupported Bits Allocated (0028,0100): ${bitsAllocated ?? 'missing'}` };
    }
    const syntax = transferSyntax(tsUid);
    if (tsUid && !syntax) return { ok: false, reason: `unsupported transfer syntax ${tsUid}` };
    if (syntax && !syntax.decodable) return { ok: false, reason: `transfer syntax not decodable here: ${syntax.name} (${syntax.uid})` };
    const declaredLength = pixelTag.offsetEnd - pixelTag.offsetValue;
    const present = Math.max(0, Math.min(declaredLength, dataLength - pixelTag.offsetValue));
    if (!syntax?.encapsulated) {
      const expected = bytesPerFrame(rows, columns, samplesPerPixel, bitsAllocated) * frames;
      if (present < expected) {
        return { ok: false, reason: `pixel data truncated: ${present} of ${expected} bytes for ${frames} frame(s) of ${columns}x${rows}` };
      }
    } else if (present < 16) {
      return { ok: false, reason: 'encapsulated pixel data has no fragments' };
    }
  }

  const groups = functionalGroups(image);
  const orientation = orientationOf(image) ?? orientationOf(groups.pick(0x0020, 0x9116));
  const measures = groups.pick(0x0028, 0x9110);
  const pixelSpacing = spacingOf(image) ?? spacingOf(measures);
  const transform = groups.pick(0x0028, 0x9145);
  const position = positionOf(image) ?? positionOf(firstNestedItem(groups.perFrame[0], 0x0020, 0x9113));

  let framePositions: Vec3[] | null = null;
  if (frames > 1 && groups.perFrame.length >= frames) {
    const positions = groups.perFrame.slice(0, frames).map((item) => positionOf(firstNestedItem(item, 0x0020, 0x9113)));
    if (positions.every((p) => p !== null)) framePositions = positions as Vec3[];
  }

  const instance: InstanceFields = {
    format: 'dicom',
    sopInstanceUid: sopInstanceUid!,
    sopClassUid: tagString(image, 0x0008, 0x0016),
    transferSyntaxUid: tsUid,
    instanceNumber: int(tagNumber(image, 0x0020, 0x0013)),
    frames,
    rows,
    columns,
    pixelSpacing,
    imagePosition: position,
    imageOrientation: orientation,
    slicePosition: position && orientation ? positionAlongNormal(position, orientation) : null,
    framePositions,
    sliceThickness: tagNumber(image, 0x0018, 0x0050) ?? (measures ? tagNumber(measures, 0x0018, 0x0050) : null),
    spacingBetweenSlices: tagNumber(image, 0x0018, 0x0088),
    rescaleSlope: tagNumber(image, 0x0028, 0x1053) ?? (transform ? tagNumber(transform, 0x0028, 0x1053) : null) ?? 1,
    rescaleIntercept: tagNumber(image, 0x0028, 0x1052) ?? (transform ? tagNumber(transform, 0x0028, 0x1052) : null) ?? 0,
    rescaleType: tagString(image, 0x0028, 0x1054),
    windowPresets: windowsOf(image).length ? windowsOf(image) : windowsOf(groups.pick(0x0028, 0x9132)),
    bitsAllocated,
    bitsStored: int(tagNumber(image, 0x0028, 0x0101)),
    pixelRepresentation: int(tagNumber(image, 0x0028, 0x0103)),
    samplesPerPixel: hasPixels ? samplesPerPixel : null,
    photometric: tagString(image, 0x0028, 0x0004),
    imageType: tagString(image, 0x0008, 0x0008),
    acquisitionNumber: int(tagNumber(image, 0x0020, 0x0012)),
  };
  if (instance.rescaleSlope === 0) instance.rescaleSlope = 1;

  return {
    ok: true,
    header: {
      patient: {
        patientId: tagString(image, 0x0010, 0x0020) ?? '',
        name: tagString(image, 0x0010, 0x0010),
        birthDate: tagDate(image, 0x0010, 0x0030),
        sex: tagString(image, 0x0010, 0x0040),
      },
      study: {
        studyInstanceUid: studyInstanceUid!,
        studyDate: tagDate(image, 0x0008, 0x0020),
        studyTime: tagString(image, 0x0008, 0x0030),
        description: tagString(image, 0x0008, 0x1030),
        accessionNumber: tagString(image, 0x0008, 0x0050),
        studyId: tagString(image, 0x0020, 0x0010),
        patientAge: tagString(image, 0x0010, 0x1010),
      },
      series: {
        seriesInstanceUid: seriesInstanceUid!,
        modality: tagString(image, 0x0008, 0x0060),
        seriesNumber: int(tagNumber(image, 0x0020, 0x0011)),
        description: tagString(image, 0x0008, 0x103e),
        bodyPart: tagString(image, 0x0018, 0x0015),
        frameOfReferenceUid: tagString(image, 0x0020, 0x0052),
        manufacturer: tagString(image, 0x0008, 0x0070),
      },
      instance,
    },
  };
}
