import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { measurementsFromDataset, readDicomMeasurements } from '../../../../src-main/core/mining/dicom-measurements';
import { axesAngleDegrees } from '../../../../src-main/core/mining/measurement';
import { hasSharedData, sharedData } from '../../../helpers/data';
import { toPart10 } from './dicom-builders';

type Dataset = Record<string, unknown>;

const GSPS = '1.2.840.10008.5.1.4.1.1.11.1';
const CT = '1.2.840.10008.5.1.4.1.1.2';

function line(units: 'PIXEL' | 'DISPLAY', data: number[], extra: Dataset = {}): Dataset {
  return {
    GraphicAnnotationUnits: units,
    GraphicDimensions: 2,
    NumberOfGraphicPoints: data.length / 2,
    GraphicData: data,
    GraphicType: 'POLYLINE',
    GraphicFilled: 'N',
    ...extra,
  };
}

function imageReference(uid: string, frame?: number): Dataset {
  return frame === undefined
    ? { ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: uid }
    : { ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: uid, ReferencedFrameNumber: frame };
}

function presentationState(annotations: Dataset[], extra: Dataset = {}): Dataset {
  return {
    SOPClassUID: GSPS,
    SOPInstanceUID: '2.25.700',
    Modality: 'PR',
    ReferencedSeriesSequence: [
      { SeriesInstanceUID: '1.2.3', ReferencedImageSequence: [imageReference('1.2.3.10'), imageReference('1.2.3.11', 2)] },
    ],
    DisplayedAreaSelectionSequence: [
      {
        DisplayedAreaTopLeftHandCorner: [1, 1],
        DisplayedAreaBottomRightHandCorner: [512, 512],
        PresentationSizeMode: 'SCALE TO FIT',
        PresentationPixelAspectRatio: [1, 1],
      },
    ],
    GraphicAnnotationSequence: annotations,
    ...extra,
  };
}

describe('readDicomMeasurements on a hand-built presentation state', () => {
  const bytes = toPart10(
    presentationState([
      {
        GraphicLayer: 'MEASUREMENTS',
        ReferencedImageSequence: [imageReference('1.2.3.10')],
        TextObjectSequence: [
          { AnchorPointAnnotationUnits: 'PIXEL', AnchorPoint: [95, 50], AnchorPointVisibility: 'N', UnformattedTextValue: 'target\r\n1' },
        ],
        GraphicObjectSequence: [
          line('PIXEL', [10.5, 50.5, 90.5, 50.5]), // 80 px, horizontal
          line('PIXEL', [50.5, 30.5, 50.5, 70.5]), // 40 px, vertical, crossing the first: one RECIST
          line('PIXEL', [200, 200, 260, 200]), // parallel to the first, apart: a length of its own
          { ...line('PIXEL', [20, 20, 40, 20, 30, 30, 30, 10]), GraphicType: 'ELLIPSE' },
          { ...line('PIXEL', [1, 1, 5, 5, 9, 1]), NumberOfGraphicPoints: 3 },
        ],
      },
      {
        // No Referenced Image Sequence: it applies to both images of the presentation state.
        GraphicLayer: 'MEASUREMENTS',
        GraphicObjectSequence: [line('PIXEL', [1, 1, 10, 10])],
      },
      {
        GraphicLayer: 'MEASUREMENTS',
        ReferencedImageSequence: [imageReference('1.2.3.11', 2)],
        GraphicObjectSequence: [line('DISPLAY', [0.25, 0.5, 0.75, 0.5])],
      },
    ]),
  );
  const result = readDicomMeasurements(bytes);

  it('pairs two perpendicular crossing lines, the longer as the long axis, in pixel-centre coordinates', () => {
    expect(result.measurements[0]).toEqual({
      source: 'presentation-state',
      sourceSopInstanceUid: '2.25.700',
      referencedSopInstanceUid: '1.2.3.10',
      referencedFrame: null,
      recist: {
        longAxis: [{ x: 10, y: 50 }, { x: 90, y: 50 }],
        shortAxis: [{ x: 50, y: 30 }, { x: 50, y: 70 }],
      },
      reportedLongAxisMm: null,
      reportedShortAxisMm: null,
      label: 'target 1',
      trackingUid: null,
      groupKey: 'annotation 1 graphic 1 + annotation 1 graphic 2',
      itemKeys: ['annotation 1 graphic 1', 'annotation 1 graphic 2'],
      derivedFrom: null,
    });
    expect(axesAngleDegrees(result.measurements[0]!.recist)).toBe(90);
  });

  it('keeps a line that crosses nothing as a length, and converts DISPLAY units through the displayed area', () => {
    expect(result.measurements).toHaveLength(3);
    expect(result.measurements[1]).toMatchObject({
      referencedSopInstanceUid: '1.2.3.10',
      recist: { longAxis: [{ x: 199.5, y: 199.5 }, { x: 259.5, y: 199.5 }], shortAxis: null },
      groupKey: 'annotation 1 graphic 3',
    });
    // Displayed area: pixels 1..512 = SCOORD corners 0..512. DISPLAY (0.25, 0.5) -> (128, 256) -> centre (127.5, 255.5).
    expect(result.measurements[2]).toMatchObject({
      referencedSopInstanceUid: '1.2.3.11',
      referencedFrame: 1,
      recist: { longAxis: [{ x: 127.5, y: 255.5 }, { x: 383.5, y: 255.5 }], shortAxis: null },
      label: null,
      groupKey: 'annotation 3 graphic 1',
    });
  });

  it('skips shapes, malformed lines and lines on more than one image, with reasons', () => {
    expect(result.skipped).toEqual([
      {
        reason: 'graphic annotation 1 graphic 4 has GraphicType ELLIPSE; only 2-point POLYLINEs are lines',
        groupKey: 'annotation 1 graphic 4',
        referencedSopInstanceUid: '1.2.3.10',
      },
      {
        reason: 'graphic annotation 1 graphic 5 has 3 points in 6 GraphicData values, not a 2-point line',
        groupKey: 'annotation 1 graphic 5',
        referencedSopInstanceUid: '1.2.3.10',
      },
      {
        reason: 'graphic annotation 2 graphic 1 applies to 2 images; a line measurement lies on one',
        groupKey: 'annotation 2 graphic 1',
        referencedSopInstanceUid: null,
      },
    ]);
  });

  it('does not convert DISPLAY units on a rotated presentation', () => {
    const rotated = presentationState(
      [{ ReferencedImageSequence: [imageReference('1.2.3.10')], GraphicObjectSequence: [line('DISPLAY', [0.1, 0.1, 0.9, 0.9])] }],
      { ImageRotation: 90 },
    );
    const { measurements, skipped } = measurementsFromDataset(rotated);
    expect(measurements).toEqual([]);
    expect(skipped.map((s) => s.reason)).toEqual([
      'graphic annotation 1 graphic 1: DISPLAY units on a rotated or flipped presentation (rotation 90, flip N) are not converted',
    ]);
  });

  it('labels a graphic object by its own Tracking ID before the annotation text', () => {
    const { measurements } = measurementsFromDataset(
      presentationState([
        {
          ReferencedImageSequence: [imageReference('1.2.3.10')],
          TextObjectSequence: [{ UnformattedTextValue: 'annotation text' }],
          GraphicObjectSequence: [line('PIXEL', [0, 0, 10, 0], { TrackingID: 'Lesion 7', TrackingUID: '2.25.77' })],
        },
      ]),
    );
    expect(measurements.map((m) => [m.label, m.trackingUid])).toEqual([['Lesion 7', '2.25.77']]);
  });

  it('does not pair lines that cross at a slant, or perpendicular lines that do not meet', () => {
    const { measurements } = measurementsFromDataset(
      presentationState([
        {
          ReferencedImageSequence: [imageReference('1.2.3.10')],
          GraphicObjectSequence: [
            line('PIXEL', [0, 0, 100, 0]),
            line('PIXEL', [50, -50, 70, 50]), // crosses at about 79 degrees: beyond the 10-degree tolerance
            line('PIXEL', [150, 10, 150, 60]), // perpendicular to the first but below its end
          ],
        },
      ]),
    );
    expect(measurements.map((m) => m.recist.shortAxis)).toEqual([null, null, null]);
  });
});

describe.runIf(hasSharedData)('readDicomMeasurements on a real presentation state', () => {
  it('reads the weasis VOI LUT presentation state, which has no graphics, as nothing at all', () => {
    // pydicom: GSPS 1.2.276.0.7230010.3.200.6.0.3 holds LUTs and a displayed area but no Graphic Annotation Sequence.
    const bytes = readFileSync(sharedData('dicom', 'annotations', 'gsps-voi-lut', 'prLUTs.dcm'));
    expect(readDicomMeasurements(bytes)).toEqual({ measurements: [], skipped: [] });
  });
});
