/**
 * Linear measurements from SR measurement reports (TID 1500 and alike). A line is an SCOORD of GraphicType
 * POLYLINE with exactly 2 points, on the image named by its SELECTED FROM IMAGE child. It usually sits under a
 * NUM ("Long Axis", "Short Axis", "Length", ...) that carries the value in mm. The long and short axes of one lesion
 * share a measurement group (their nearest CONTAINER, e.g. TID 1501's "Measurement Group") and pair into one RECIST
 * measurement when both lie on the same image and frame.
 */
import type { DicomMeasurement, DicomMeasurementReadResult, SkippedDicomItem } from './dicom-measurements';
import { fromDicomScoord, type Point2, type Recist, type Segment } from './measurement';
import { recistFromCircle, recistFromEllipse, recistFromOutline } from './region-axes';
import {
  type CodedConcept,
  codedConcept,
  type Dataset,
  numberValues,
  plainText,
  sequenceItems,
  sequenceSlots,
  stringValue,
} from './naturalized-dataset';

type AxisRole = 'long' | 'short' | 'length';

/** Legacy SNOMED-RT ("SRT", also written "SNM3") and SNOMED CT codes of CID 7470's axes. */
const LONG_AXIS_CODES = new Set(['SRT:G-A185', 'SNM3:G-A185', 'SCT:103339001']);
const SHORT_AXIS_CODES = new Set(['SRT:G-A186', 'SNM3:G-A186', 'SCT:103340004']);
/** Code meanings, compared with case, spaces and punctuation removed ("Long Axis", "LONG_AXIS", "longAxis"). */
const LONG_AXIS_MEANINGS = new Set(['longaxis', 'majoraxis']);
const SHORT_AXIS_MEANINGS = new Set(['shortaxis', 'minoraxis', 'perpendicularaxis']);

/** UCUM length units and their size in mm. */
const MM_PER_UCUM_UNIT: Record<string, number> = { mm: 1, cm: 10, m: 1000, um: 0.001 };

const TRACKING_IDENTIFIER = 'DCM:112039';
const TRACKING_UID = 'DCM:112040';
const FINDING = 'DCM:121071';
/** Far beyond any real template; a guard against a hostile, deeply nested object. */
const MAX_CONTENT_DEPTH = 64;

interface ImageReference {
  sopInstanceUid: string;
  frame: number | null;
}

interface MeasurementGroup {
  key: string;
  label: string | null;
  trackingUid: string | null;
  numericNames: string[];
  lineCount: number;
  skippedCount: number;
}

interface SrLine {
  role: AxisRole;
  segment: Segment;
  image: ImageReference;
  itemKey: string;
  reportedMm: number | null;
  group: MeasurementGroup;
}

function conceptKey(concept: CodedConcept | null): string {
  return concept ? `${concept.scheme.toUpperCase()}:${concept.value.toUpperCase()}` : '';
}

function normalizedMeaning(concept: CodedConcept): string {
  return concept.meaning.toLowerCase().replace(/[^a-z]/g, '');
}

/** The axis a concept names; the code meaning wins over the code, since some writers reuse one code for all. */
function axisRoleOf(concept: CodedConcept | null): AxisRole | null {
  if (!concept) return null;
  const meaning = normalizedMeaning(concept);
  if (LONG_AXIS_MEANINGS.has(meaning)) return 'long';
  if (SHORT_AXIS_MEANINGS.has(meaning)) return 'short';
  const key = conceptKey(concept);
  if (LONG_AXIS_CODES.has(key)) return 'long';
  if (SHORT_AXIS_CODES.has(key)) return 'short';
  return null;
}

function describe(concept: CodedConcept | null): string {
  return concept ? plainText(concept.meaning || concept.value, 64) ?? concept.value : 'unnamed';
}

/** A NUM's value in mm; null when it has none or its unit is not a length. */
function numericValueMm(num: Dataset): number | null {
  const measured = sequenceItems(num, 'MeasuredValueSequence')[0];
  if (!measured) return null;
  const unit = codedConcept(measured, 'MeasurementUnitsCodeSequence');
  const mmPerUnit = unit ? MM_PER_UCUM_UNIT[unit.value] : undefined;
  if (mmPerUnit === undefined) return null;
  // FloatingPointValue, when present, is the same value without DS's 16-character rounding.
  const value = numberValues(measured, 'FloatingPointValue')?.[0] ?? numberValues(measured, 'NumericValue')?.[0];
  return value === undefined ? null : value * mmPerUnit;
}

/** The content item a by-reference relationship points to: "1\4\2" is the root's 4th child's 2nd child. */
function itemByReference(root: Dataset, item: Dataset): Dataset | null {
  const path = numberValues(item, 'ReferencedContentItemIdentifier');
  if (!path || path.length === 0 || path[0] !== 1) return null;
  let current: Dataset | undefined = root;
  for (const position of path.slice(1)) {
    current = current ? (sequenceSlots(current, 'ContentSequence')[position - 1] ?? undefined) : undefined;
  }
  return current ?? null;
}

function imageReferenceOf(image: Dataset): ImageReference | string {
  const sop = sequenceItems(image, 'ReferencedSOPSequence')[0];
  const sopInstanceUid = sop ? stringValue(sop, 'ReferencedSOPInstanceUID') : null;
  if (!sop || sopInstanceUid === null) return 'its IMAGE item has no Referenced SOP Instance UID';
  const frames = numberValues(sop, 'ReferencedFrameNumber');
  if (frames === null) return 'its IMAGE item has a non-numeric Referenced Frame Number';
  if (frames.length > 1) return `its IMAGE item names ${frames.length} frames; a line lies on one`;
  const frame = frames[0];
  if (frame === undefined) return { sopInstanceUid, frame: null };
  if (!Number.isInteger(frame) || frame < 1) return `its IMAGE item has an invalid frame number ${frame}`;
  return { sopInstanceUid, frame: frame - 1 };
}

export function measurementsFromSr(dataset: Dataset, sourceSopInstanceUid: string): DicomMeasurementReadResult {
  const skipped: SkippedDicomItem[] = [];
  const lines: SrLine[] = [];
  const regions: DicomMeasurement[] = [];
  const groups: MeasurementGroup[] = [];

  const skip = (reason: string, group: MeasurementGroup | null, referencedSopInstanceUid: string | null = null) => {
    skipped.push({ reason, groupKey: group?.key ?? null, referencedSopInstanceUid });
    if (group) group.skippedCount += 1;
  };

  const groupOf = (container: Dataset, key: string): MeasurementGroup => {
    let trackingIdentifier: string | null = null;
    let trackingUid: string | null = null;
    let finding: string | null = null;
    for (const child of sequenceItems(container, 'ContentSequence')) {
      const name = conceptKey(codedConcept(child));
      if (name === TRACKING_IDENTIFIER) trackingIdentifier ??= plainText(stringValue(child, 'TextValue'));
      else if (name === TRACKING_UID) trackingUid ??= stringValue(child, 'UID');
      else if (name === FINDING) finding ??= plainText(codedConcept(child, 'ConceptCodeSequence')?.meaning ?? null);
    }
    const group = { key, label: trackingIdentifier ?? finding, trackingUid, numericNames: [], lineCount: 0, skippedCount: 0 };
    groups.push(group);
    return group;
  };

  const imagesOf = (item: Dataset): Dataset[] =>
    sequenceItems(item, 'ContentSequence')
      .map((child) => (stringValue(child, 'ValueType') === null ? itemByReference(dataset, child) : child))
      .filter((child): child is Dataset => child !== null && stringValue(child, 'ValueType') === 'IMAGE');

  const readScoord = (item: Dataset, key: string, parent: Dataset, group: MeasurementGroup) => {
    const images = imagesOf(item);
    const image: ImageReference | string =
      images.length === 1 && images[0]
        ? imageReferenceOf(images[0])
        : `it names ${images.length} images (SELECTED FROM IMAGE items); a line lies on one`;
    const imageUid = typeof image === 'string' ? null : image.sopInstanceUid;
    const graphicType = stringValue(item, 'GraphicType');
    const data = numberValues(item, 'GraphicData');
    const regionType = graphicType === 'POLYLINE' && data && data.length > 4 ? 'POLYGON' : graphicType;
    if (regionType === 'ELLIPSE' || regionType === 'CIRCLE' || regionType === 'POLYGON') {
      return readRegion(regionType, data, key, image, group);
    }
    if (graphicType !== 'POLYLINE') {
      skip(`SCOORD ${key} has GraphicType ${graphicType ?? '(none)'}; only lines and region outlines are measurements`, group, imageUid);
      return;
    }
    if (data === null) return skip(`SCOORD ${key} has non-numeric GraphicData`, group, imageUid);
    if (data.length % 2 !== 0 || data.length < 4) {
      return skip(`SCOORD ${key} has ${data.length} GraphicData values; a 2-point line needs 4`, group, imageUid);
    }
    const [c0 = 0, r0 = 0, c1 = 0, r1 = 0] = data;
    if (c0 === c1 && r0 === r1) return skip(`SCOORD ${key} is a line of zero length`, group, imageUid);
    if (typeof image === 'string') return skip(`SCOORD ${key}: ${image}`, group, imageUid);
    const parentIsNum = stringValue(parent, 'ValueType') === 'NUM';
    const role = axisRoleOf(codedConcept(item)) ?? (parentIsNum ? axisRoleOf(codedConcept(parent)) : null) ?? 'length';
    lines.push({
      role,
      segment: [fromDicomScoord(c0, r0), fromDicomScoord(c1, r1)],
      image,
      itemKey: key,
      reportedMm: parentIsNum ? numericValueMm(parent) : null,
      group,
    });
    group.lineCount += 1;
  };

  /**
   * A region outline (ELLIPSE, CIRCLE, POLYGON or a POLYLINE of 3+ points) measures a lesion too: its RECIST
   * axes are derived (region-axes.ts) and marked with the shape they came from.
   */
  const readRegion = (shape: 'ELLIPSE' | 'CIRCLE' | 'POLYGON', data: number[] | null, key: string, image: ImageReference | string, group: MeasurementGroup) => {
    const imageUid = typeof image === 'string' ? null : image.sopInstanceUid;
    const needed = shape === 'ELLIPSE' ? 8 : shape === 'CIRCLE' ? 4 : 6;
    if (data === null || data.length % 2 !== 0 || data.length < needed || (shape !== 'POLYGON' && data.length !== needed)) {
      return skip(`SCOORD ${key} is a ${shape} with ${data?.length ?? 'non-numeric'} GraphicData values (${needed}${shape === 'POLYGON' ? ' or more' : ''} expected)`, group, imageUid);
    }
    if (typeof image === 'string') return skip(`SCOORD ${key}: ${image}`, group, imageUid);
    const points: Point2[] = [];
    for (let i = 0; i < data.length; i += 2) points.push(fromDicomScoord(data[i]!, data[i + 1]!));
    const recist: Recist | null =
      shape === 'ELLIPSE' ? recistFromEllipse(points) : shape === 'CIRCLE' ? recistFromCircle(points[0]!, points[1]!) : recistFromOutline(points);
    if (!recist || recist.longAxis[0].x === recist.longAxis[1].x && recist.longAxis[0].y === recist.longAxis[1].y) {
      return skip(`SCOORD ${key} is a ${shape} of zero size`, group, imageUid);
    }
    regions.push({
      source: 'dicom-sr',
      sourceSopInstanceUid,
      referencedSopInstanceUid: image.sopInstanceUid,
      referencedFrame: image.frame,
      recist,
      reportedLongAxisMm: null,
      reportedShortAxisMm: null,
      label: group.label,
      trackingUid: group.trackingUid,
      groupKey: group.key,
      itemKeys: [key],
      derivedFrom: shape,
    });
    group.lineCount += 1;
  };

  /** Walks the content tree; `group` is the nearest enclosing CONTAINER (the root is one). */
  const visit = (item: Dataset, key: string, depth: number, group: MeasurementGroup) => {
    const children = sequenceSlots(item, 'ContentSequence');
    if (children.length > 0 && depth >= MAX_CONTENT_DEPTH) {
      return skip(`content below item ${key} is nested deeper than ${MAX_CONTENT_DEPTH} levels`, group);
    }
    children.forEach((child, index) => {
      const childKey = `${key}.${index + 1}`;
      if (child === null) return skip(`content item ${childKey} is not a dataset`, group);
      const valueType = stringValue(child, 'ValueType');
      if (valueType === 'CONTAINER') return visit(child, childKey, depth + 1, groupOf(child, childKey));
      if (valueType === 'SCOORD') readScoord(child, childKey, item, group);
      else if (valueType === 'SCOORD3D') {
        skip(`SCOORD3D ${childKey} holds patient (3D) coordinates; only image-pixel lines are read`, group);
      } else if (valueType === 'NUM' && (stringValue(child, 'RelationshipType') ?? 'CONTAINS') === 'CONTAINS') {
        // Measurements, not acquisition context such as an image library's "Pixel Data Rows".
        group.numericNames.push(describe(codedConcept(child)));
      }
      visit(child, childKey, depth + 1, group);
    });
  };

  if (sequenceSlots(dataset, 'ContentSequence').length === 0) skip('the SR document has no content items', null);
  visit(dataset, '1', 1, groupOf(dataset, '1'));

  for (const group of groups) {
    if (group.lineCount > 0 || group.skippedCount > 0 || group.numericNames.length === 0) continue;
    const names = [...new Set(group.numericNames)];
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
    const label = group.label ? ` (${group.label})` : '';
    skip(
      `measurement group ${group.key}${label} has no 2-point line; its ${group.numericNames.length} numeric value(s) ` +
        `(${shown}) are not image-line measurements`,
      group,
    );
  }

  return { measurements: [...pairAxes(lines, sourceSopInstanceUid, skip), ...regions], skipped };
}

function imageKey(image: ImageReference): string {
  return `${image.sopInstanceUid}#${image.frame ?? ''}`;
}

/** Long axis with the first unused short axis of its group on the same image; lengths stand alone. */
function pairAxes(
  lines: SrLine[],
  sourceSopInstanceUid: string,
  skip: (reason: string, group: MeasurementGroup | null, referencedSopInstanceUid?: string | null) => void,
): DicomMeasurement[] {
  const shortOf = new Map<SrLine, SrLine>();
  const pairedShorts = new Set<SrLine>();
  for (const long of lines.filter((line) => line.role === 'long')) {
    const short = lines.find(
      (line) =>
        line.role === 'short' &&
        line.group === long.group &&
        !pairedShorts.has(line) &&
        imageKey(line.image) === imageKey(long.image),
    );
    if (short) {
      shortOf.set(long, short);
      pairedShorts.add(short);
    }
  }

  const measurements: DicomMeasurement[] = [];
  for (const line of lines) {
    if (line.role === 'short') {
      if (!pairedShorts.has(line)) {
        skip(
          `short axis ${line.itemKey} has no long axis on the same image in its measurement group`,
          line.group,
          line.image.sopInstanceUid,
        );
      }
      continue;
    }
    const short = shortOf.get(line) ?? null;
    measurements.push({
      source: 'dicom-sr',
      sourceSopInstanceUid,
      referencedSopInstanceUid: line.image.sopInstanceUid,
      referencedFrame: line.image.frame,
      recist: { longAxis: line.segment, shortAxis: short?.segment ?? null },
      reportedLongAxisMm: line.reportedMm,
      reportedShortAxisMm: short?.reportedMm ?? null,
      label: line.group.label,
      trackingUid: line.group.trackingUid,
      groupKey: line.group.key,
      itemKeys: short ? [line.itemKey, short.itemKey] : [line.itemKey],
      derivedFrom: null,
    });
  }
  return measurements;
}
