/**
 * RECIST-style linear measurements stored in DICOM objects: SR measurement reports (TID 1500 and alike) and
 * softcopy presentation states. Pure functions over the file's bytes; nothing is thrown for a malformed object,
 * whatever cannot be read comes back in `skipped` with its reason.
 */
import dcmjs from 'dcmjs';
import type { Recist } from './measurement';
import { type Dataset, stringValue } from './naturalized-dataset';
import { measurementsFromPresentationState } from './presentation-state-measurements';
import { measurementsFromSr } from './sr-measurements';

export interface DicomMeasurement {
  source: 'dicom-sr' | 'presentation-state';
  /** The SR or presentation-state object the measurement was read from. */
  sourceSopInstanceUid: string;
  /** The image measured on. */
  referencedSopInstanceUid: string;
  /** 0-based frame index; null when the reference names no frame (a single-frame image). */
  referencedFrame: number | null;
  /** Pixel-centre coordinates. longAxis is the "Long Axis" item (SR) or the longer line (presentation state). */
  recist: Recist;
  /** The SR's own NUM values in mm, when present (a plain length is reported as the long axis). */
  reportedLongAxisMm: number | null;
  reportedShortAxisMm: number | null;
  /** Tracking identifier, finding or annotation text, as plain text (never markup). */
  label: string | null;
  /** Tracking Unique Identifier of the SR measurement group or the graphic object, when present. */
  trackingUid: string | null;
  /**
   * Stable identity of the measurement group inside the object: the SR content item position of the group
   * container ("1.5.3", as dsrdump numbers it), or the presentation state's graphic object(s).
   */
  groupKey: string;
  /** The content items (SR SCOORDs) or graphic objects the lines came from, in the same notation. */
  itemKeys: string[];
  /** Set when the axes were derived from a region outline rather than measured as lines. */
  derivedFrom: 'ELLIPSE' | 'CIRCLE' | 'POLYGON' | null;
}

export interface SkippedDicomItem {
  reason: string;
  /** The measurement group or graphic object concerned, when there is one. */
  groupKey: string | null;
  /** The image the skipped item refers to, when it names one. */
  referencedSopInstanceUid: string | null;
}

export interface DicomMeasurementReadResult {
  measurements: DicomMeasurement[];
  skipped: SkippedDicomItem[];
}

const SR_SOP_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';
/** Grayscale, color, pseudo-color, blending and XA/XRF grayscale presentation states: all carry 2D graphics. */
const PLANAR_PRESENTATION_STATE_SOP_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.11.1',
  '1.2.840.10008.5.1.4.1.1.11.2',
  '1.2.840.10008.5.1.4.1.1.11.3',
  '1.2.840.10008.5.1.4.1.1.11.4',
  '1.2.840.10008.5.1.4.1.1.11.5',
]);
const PRESENTATION_STATE_SOP_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.11.';
const PIXEL_DATA_TAG = '7FE00010';

function skippedObject(reason: string): DicomMeasurementReadResult {
  return { measurements: [], skipped: [{ reason, groupKey: null, referencedSopInstanceUid: null }] };
}

/** Reads an SR or presentation-state file. Any other object gives no measurements and nothing skipped. */
export function readDicomMeasurements(bytes: Uint8Array): DicomMeasurementReadResult {
  let dataset: Dataset;
  let meta: Dataset;
  try {
    // A copy: dcmjs wants an ArrayBuffer of its own, and the caller's view may share a larger buffer.
    const buffer = new Uint8Array(bytes).buffer;
    const file = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: PIXEL_DATA_TAG, includeUntilTagValue: false });
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
    meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.meta);
  } catch (error) {
    return skippedObject(`not readable as a DICOM file: ${error instanceof Error ? error.message : String(error)}`);
  }
  return measurementsFromDataset(dataset, meta);
}

/**
 * The same on a dcmjs naturalized dataset (`meta`, the file meta information, is only a fallback for the
 * SOP Class and Instance UIDs).
 */
export function measurementsFromDataset(dataset: Dataset, meta: Dataset = {}): DicomMeasurementReadResult {
  try {
    const sopClassUid = stringValue(dataset, 'SOPClassUID') ?? stringValue(meta, 'MediaStorageSOPClassUID');
    const sopInstanceUid = stringValue(dataset, 'SOPInstanceUID') ?? stringValue(meta, 'MediaStorageSOPInstanceUID');
    if (sopClassUid === null) return { measurements: [], skipped: [] };
    const isSr = sopClassUid.startsWith(SR_SOP_CLASS_PREFIX);
    const isPlanarPresentationState = PLANAR_PRESENTATION_STATE_SOP_CLASSES.has(sopClassUid);
    if (!isSr && sopClassUid.startsWith(PRESENTATION_STATE_SOP_CLASS_PREFIX) && !isPlanarPresentationState) {
      return skippedObject(`presentation state of SOP class ${sopClassUid} is volumetric: its 3D graphics are not read`);
    }
    if (!isSr && !isPlanarPresentationState) return { measurements: [], skipped: [] };
    if (sopInstanceUid === null) return skippedObject('the object has no SOP Instance UID');
    return isSr ? measurementsFromSr(dataset, sopInstanceUid) : measurementsFromPresentationState(dataset, sopInstanceUid);
  } catch (error) {
    // The readers are written not to throw; this keeps a reader defect from escaping as an exception.
    return skippedObject(`could not read the measurements: ${error instanceof Error ? error.message : String(error)}`);
  }
}
