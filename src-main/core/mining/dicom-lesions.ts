import { readFileSync } from 'node:fs';
import type { Catalogue } from '../catalogue/catalogue';
import type { NewLesion } from '../catalogue/lesions';
import { readDicomMeasurements, type DicomMeasurement } from './dicom-measurements';

/** SR and presentation-state SOP classes: the objects that can carry measurements. */
export function mayCarryMeasurements(sopClassUid: string | null, modality: string | null): boolean {
  return (
    modality === 'SR' ||
    modality === 'PR' ||
    !!sopClassUid?.startsWith('1.2.840.10008.5.1.4.1.1.88.') ||
    !!sopClassUid?.startsWith('1.2.840.10008.5.1.4.1.1.11.')
  );
}

function lesionOf(m: DicomMeasurement, path: string): NewLesion {
  return {
    seriesId: null,
    instanceId: null, // linked by SOP Instance UID once the image is in the library
    frame: m.referencedFrame ?? 0,
    keySliceRef: m.referencedSopInstanceUid,
    recist: m.recist,
    spacing: null,
    reportedMm: { long: m.reportedLongAxisMm, short: m.reportedShortAxisMm },
    source: m.source,
    sourceRef: `${m.sourceSopInstanceUid}#${m.groupKey}#${m.itemKeys.join(',')}`,
    referenceType: null,
    split: null,
    noisy: false,
    attributes: {
      sourceFile: path,
      sourceSopInstanceUid: m.sourceSopInstanceUid,
      groupKey: m.groupKey,
      label: m.label,
      trackingUid: m.trackingUid,
      reportedLongAxisMm: m.reportedLongAxisMm,
      reportedShortAxisMm: m.reportedShortAxisMm,
      derivedFrom: m.derivedFrom,
    },
  };
}

export interface DicomLesionsResult {
  lesionsAdded: number;
  /** Per object: the measurements whose images are not in the library, or parts that could not be read. */
  unresolved: { path: string; reason: string }[];
}

/**
 * Turns the linear measurements of SR and presentation-state files into lesions and links them to their
 * images. References to images that are not in the library stay visible, never dropped.
 */
export function importDicomMeasurements(catalogue: Catalogue, files: readonly string[]): DicomLesionsResult {
  const result: DicomLesionsResult = { lesionsAdded: 0, unresolved: [] };
  const perFile: { path: string; measurements: DicomMeasurement[] }[] = [];
  for (const path of files) {
    let read;
    try {
      read = readDicomMeasurements(readFileSync(path));
    } catch (err) {
      result.unresolved.push({ path, reason: `measurements could not be read: ${(err as Error).message}` });
      continue;
    }
    perFile.push({ path, measurements: read.measurements });
    if (read.measurements.length) {
      result.lesionsAdded += catalogue.transaction(() => catalogue.lesions.insertMany(read.measurements.map((m) => lesionOf(m, path))));
    }
  }
  catalogue.transaction(() => catalogue.lesions.linkUnresolved());
  for (const { path, measurements } of perFile) {
    const missing = new Set(measurements.map((m) => m.referencedSopInstanceUid).filter((uid) => !catalogue.instances.findBySopInstanceUid(uid)));
    if (missing.size) {
      const kind = measurements[0]!.source === 'dicom-sr' ? 'SR' : 'Presentation state';
      const n = measurements.filter((m) => missing.has(m.referencedSopInstanceUid)).length;
      result.unresolved.push({
        path,
        reason: `${kind} references ${missing.size} ${missing.size === 1 ? 'image' : 'images'} not in library (${n} ${n === 1 ? 'measurement' : 'measurements'} kept, waiting for ${missing.size === 1 ? 'it' : 'them'})`,
      });
    }
  }
  return result;
}
