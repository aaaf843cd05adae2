/**
 * Linear measurements from softcopy presentation states (Graphic Annotation module, PS3.3 C.10.5): graphic
 * objects of GraphicType POLYLINE with 2 points. A presentation state has no notion of a RECIST measurement, so two
 * lines on the same image are paired as long and short axes only when they are perpendicular and cross; every other
 * line is a measurement of its own.
 */
import type { DicomMeasurement, DicomMeasurementReadResult, SkippedDicomItem } from './dicom-measurements';
import { fromDicomScoord, type Point2, type Segment, segmentLength } from './measurement';
import {
  type Dataset,
  numberValues,
  plainText,
  sequenceItems,
  sequenceSlots,
  singleNumber,
  stringValue,
} from './naturalized-dataset';

/** How far from 90 degrees two crossing lines may be and still pair as the axes of one lesion. */
export const PERPENDICULAR_TOLERANCE_DEGREES = 10;

interface ImageReference {
  sopInstanceUid: string;
  /** 1-based frame numbers as stored; empty when the reference names no frame. */
  frames: number[];
}

interface PresentationLine {
  segment: Segment;
  sopInstanceUid: string;
  frame: number | null;
  itemKey: string;
  label: string | null;
  trackingUid: string | null;
}

type Skip = (reason: string, groupKey: string | null, referencedSopInstanceUid?: string | null) => void;

function imageReferences(items: Dataset[]): ImageReference[] | string {
  const references: ImageReference[] = [];
  for (const item of items) {
    const sopInstanceUid = stringValue(item, 'ReferencedSOPInstanceUID');
    const frames = numberValues(item, 'ReferencedFrameNumber');
    if (sopInstanceUid === null) return 'a Referenced Image Sequence item has no Referenced SOP Instance UID';
    if (frames === null || frames.some((frame) => !Number.isInteger(frame) || frame < 1)) {
      return `the reference to ${sopInstanceUid} has an invalid Referenced Frame Number`;
    }
    references.push({ sopInstanceUid, frames });
  }
  return references;
}

/** Every image the presentation state applies to (Presentation State Relationship module). */
function presentationImages(dataset: Dataset): ImageReference[] | string {
  return imageReferences(
    sequenceItems(dataset, 'ReferencedSeriesSequence').flatMap((series) => sequenceItems(series, 'ReferencedImageSequence')),
  );
}

function referenceIncludes(references: ImageReference[], sopInstanceUid: string, frame: number | null): boolean {
  return references.some(
    (reference) =>
      reference.sopInstanceUid === sopInstanceUid &&
      (reference.frames.length === 0 || frame === null || reference.frames.includes(frame + 1)),
  );
}

/**
 * DISPLAY units are fractions of the displayed area (0\0 its top-left corner, 1\1 its bottom-right corner). The
 * displayed area's TLHC and BRHC are the first and last displayed pixels (1-based column\row), so in SCOORD terms
 * it spans from corner (tlhc - 1) to corner brhc. Converted only without rotation or flip, where the display axes
 * are the image axes.
 */
function displayToScoord(dataset: Dataset, sopInstanceUid: string, frame: number | null): ((u: number, v: number) => [number, number]) | string {
  const rotation = singleNumber(dataset, 'ImageRotation') ?? 0;
  const flip = stringValue(dataset, 'ImageHorizontalFlip') ?? 'N';
  if (rotation !== 0 || flip !== 'N') {
    return `DISPLAY units on a rotated or flipped presentation (rotation ${rotation}, flip ${flip}) are not converted`;
  }
  const area = sequenceItems(dataset, 'DisplayedAreaSelectionSequence').find((item) => {
    const references = sequenceItems(item, 'ReferencedImageSequence');
    if (references.length === 0) return true;
    const parsed = imageReferences(references);
    return typeof parsed !== 'string' && referenceIncludes(parsed, sopInstanceUid, frame);
  });
  if (!area) return 'DISPLAY units without a displayed area for the image cannot be converted';
  const tlhc = numberValues(area, 'DisplayedAreaTopLeftHandCorner');
  const brhc = numberValues(area, 'DisplayedAreaBottomRightHandCorner');
  if (!tlhc || !brhc || tlhc.length !== 2 || brhc.length !== 2) {
    return 'DISPLAY units with a malformed displayed area cannot be converted';
  }
  const [left = 0, top = 0] = tlhc;
  const [right = 0, bottom = 0] = brhc;
  if (right < left || bottom < top) return 'DISPLAY units with an inverted displayed area cannot be converted';
  const width = right - left + 1;
  const height = bottom - top + 1;
  return (u, v) => [left - 1 + u * width, top - 1 + v * height];
}

function annotationLabel(annotation: Dataset): string | null {
  const texts = sequenceItems(annotation, 'TextObjectSequence')
    .map((text) => plainText(stringValue(text, 'UnformattedTextValue')))
    .filter((text): text is string => text !== null);
  return plainText(texts.length > 0 ? texts.join('; ') : null);
}

function readGraphicObject(
  dataset: Dataset,
  graphic: Dataset,
  key: string,
  images: ImageReference[] | string,
  annotationText: string | null,
  skip: Skip,
): PresentationLine | null {
  const single = typeof images !== 'string' && images.length === 1 ? images[0] : undefined;
  const imageUid = single?.sopInstanceUid ?? null;
  const graphicType = stringValue(graphic, 'GraphicType');
  if (graphicType !== 'POLYLINE') {
    skip(`graphic ${key} has GraphicType ${graphicType ?? '(none)'}; only 2-point POLYLINEs are lines`, key, imageUid);
    return null;
  }
  const dimensions = singleNumber(graphic, 'GraphicDimensions') ?? 2;
  const data = numberValues(graphic, 'GraphicData');
  const pointCount = singleNumber(graphic, 'NumberOfGraphicPoints') ?? (data ? data.length / 2 : null);
  if (dimensions !== 2) {
    skip(`graphic ${key} has ${dimensions} graphic dimensions; only 2D lines are read`, key, imageUid);
    return null;
  }
  if (data === null) {
    skip(`graphic ${key} has non-numeric GraphicData`, key, imageUid);
    return null;
  }
  if (pointCount !== 2 || data.length !== 4) {
    skip(`graphic ${key} has ${pointCount ?? '?'} points in ${data.length} GraphicData values, not a 2-point line`, key, imageUid);
    return null;
  }
  const [c0 = 0, r0 = 0, c1 = 0, r1 = 0] = data;
  if (c0 === c1 && r0 === r1) {
    skip(`graphic ${key} is a line of zero length`, key, imageUid);
    return null;
  }
  if (typeof images === 'string') {
    skip(`graphic ${key}: ${images}`, key, null);
    return null;
  }
  if (!single) {
    skip(`graphic ${key} applies to ${images.length} images; a line measurement lies on one`, key, null);
    return null;
  }
  if (single.frames.length > 1) {
    skip(`graphic ${key} applies to ${single.frames.length} frames; a line measurement lies on one`, key, imageUid);
    return null;
  }
  const frame = single.frames[0] === undefined ? null : single.frames[0] - 1;
  const units = stringValue(graphic, 'GraphicAnnotationUnits');
  let corners: [[number, number], [number, number]];
  if (units === 'PIXEL') {
    corners = [
      [c0, r0],
      [c1, r1],
    ];
  } else if (units === 'DISPLAY') {
    const convert = displayToScoord(dataset, single.sopInstanceUid, frame);
    if (typeof convert === 'string') {
      skip(`graphic ${key}: ${convert}`, key, imageUid);
      return null;
    }
    corners = [convert(c0, r0), convert(c1, r1)];
  } else {
    skip(`graphic ${key} has unknown Graphic Annotation Units ${units ?? '(none)'}`, key, imageUid);
    return null;
  }
  return {
    segment: [fromDicomScoord(...corners[0]), fromDicomScoord(...corners[1])],
    sopInstanceUid: single.sopInstanceUid,
    frame,
    itemKey: key,
    label: plainText(stringValue(graphic, 'TrackingID')) ?? annotationText,
    trackingUid: stringValue(graphic, 'TrackingUID'),
  };
}

export function measurementsFromPresentationState(
  dataset: Dataset,
  sourceSopInstanceUid: string,
): DicomMeasurementReadResult {
  const skipped: SkippedDicomItem[] = [];
  const skip: Skip = (reason, groupKey, referencedSopInstanceUid = null) =>
    skipped.push({ reason, groupKey, referencedSopInstanceUid });
  const lines: PresentationLine[] = [];
  const allImages = presentationImages(dataset);

  sequenceSlots(dataset, 'GraphicAnnotationSequence').forEach((annotation, annotationIndex) => {
    if (annotation === null) return skip(`annotation ${annotationIndex + 1} is not a dataset`, null);
    const ownReferences = sequenceItems(annotation, 'ReferencedImageSequence');
    // Without its own Referenced Image Sequence an annotation applies to every image of the presentation state.
    const images = ownReferences.length > 0 ? imageReferences(ownReferences) : allImages;
    const text = annotationLabel(annotation);
    sequenceSlots(annotation, 'GraphicObjectSequence').forEach((graphic, graphicIndex) => {
      const key = `annotation ${annotationIndex + 1} graphic ${graphicIndex + 1}`;
      if (graphic === null) return skip(`graphic ${key} is not a dataset`, key);
      const line = readGraphicObject(dataset, graphic, key, images, text, skip);
      if (line) lines.push(line);
    });
  });

  return { measurements: pairCrossingLines(lines, sourceSopInstanceUid), skipped };
}

function angleBetweenDegrees(a: Segment, b: Segment): number {
  const u = { x: a[1].x - a[0].x, y: a[1].y - a[0].y };
  const v = { x: b[1].x - b[0].x, y: b[1].y - b[0].y };
  const cos = Math.abs(u.x * v.x + u.y * v.y) / (Math.hypot(u.x, u.y) * Math.hypot(v.x, v.y));
  return (Math.acos(Math.min(1, cos)) * 180) / Math.PI;
}

function cross(o: Point2, a: Point2, b: Point2): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/** Whether two segments share a point (touching counts; collinear overlap cannot happen between perpendicular lines). */
function segmentsCross(a: Segment, b: Segment): boolean {
  const d1 = cross(b[0], b[1], a[0]);
  const d2 = cross(b[0], b[1], a[1]);
  const d3 = cross(a[0], a[1], b[0]);
  const d4 = cross(a[0], a[1], b[1]);
  return d1 * d2 <= 0 && d3 * d4 <= 0;
}

/** Pairs perpendicular crossing lines on one image, the most nearly perpendicular pairs first. */
function pairCrossingLines(lines: PresentationLine[], sourceSopInstanceUid: string): DicomMeasurement[] {
  const candidates: { a: number; b: number; deviation: number }[] = [];
  lines.forEach((a, i) => {
    lines.forEach((b, j) => {
      if (j <= i || a.sopInstanceUid !== b.sopInstanceUid || a.frame !== b.frame) return;
      const deviation = Math.abs(90 - angleBetweenDegrees(a.segment, b.segment));
      if (deviation <= PERPENDICULAR_TOLERANCE_DEGREES && segmentsCross(a.segment, b.segment)) {
        candidates.push({ a: i, b: j, deviation });
      }
    });
  });
  candidates.sort((p, q) => p.deviation - q.deviation || p.a - q.a || p.b - q.b);
  const partner = new Map<number, number>();
  for (const { a, b } of candidates) {
    if (partner.has(a) || partner.has(b)) continue;
    partner.set(a, b);
    partner.set(b, a);
  }

  const measurements: DicomMeasurement[] = [];
  lines.forEach((line, index) => {
    const otherIndex = partner.get(index);
    if (otherIndex !== undefined && otherIndex < index) return; // emitted with its partner
    const other = otherIndex === undefined ? undefined : lines[otherIndex];
    const [long, short] =
      other && segmentLength(other.segment) > segmentLength(line.segment) ? [other, line] : [line, other];
    measurements.push({
      source: 'presentation-state',
      sourceSopInstanceUid,
      referencedSopInstanceUid: line.sopInstanceUid,
      referencedFrame: line.frame,
      recist: { longAxis: long.segment, shortAxis: short?.segment ?? null },
      reportedLongAxisMm: null,
      reportedShortAxisMm: null,
      label: long.label ?? short?.label ?? null,
      trackingUid: long.trackingUid ?? short?.trackingUid ?? null,
      groupKey: other ? `${line.itemKey} + ${other.itemKey}` : line.itemKey,
      itemKeys: short ? [long.itemKey, short.itemKey] : [long.itemKey],
      derivedFrom: null,
    });
  });
  return measurements;
}
