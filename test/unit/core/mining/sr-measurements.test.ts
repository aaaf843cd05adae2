import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDicomMeasurements } from '../../../../src-main/core/mining/dicom-measurements';
import { axesAngleDegrees, segmentLengthMm } from '../../../../src-main/core/mining/measurement';
import { hasSharedData, sharedData } from '../../../helpers/data';
import {
  code,
  container,
  imageItem,
  num,
  scoord,
  srDocument,
  toPart10,
  trackingIdentifier,
  trackingUid,
} from './dicom-builders';

const annotations = (...parts: string[]) => sharedData('dicom', 'annotations', ...parts);
const read = (path: string) => readDicomMeasurements(readFileSync(path));

describe('readDicomMeasurements on a hand-built SR', () => {
  const imageLibraryImage = { RelationshipType: 'CONTAINS', ...imageItem('1.2.3.7') };
  const bytes = toPart10(
    srDocument('2.25.500', [
      container(code('126010', 'DCM', 'Imaging Measurements'), [
        container(code('125007', 'DCM', 'Measurement Group'), [
          trackingIdentifier('Lesion 1 <b>liver</b>\u0007\tnext'),
          trackingUid('2.25.1001'),
          // The short axis comes first: pairing must not depend on the order.
          num(code('103340004', 'SCT', 'Short Axis'), 12.5, 'mm', [scoord('POLYLINE', [10, 20, 10, 40], imageItem('1.2.3.4', 3))]),
          // Matched on the code alone (the meaning is not English), and reported in cm.
          num(code('103339001', 'SCT', 'Lange Achse'), 3, 'cm', [scoord('POLYLINE', [0, 30, 20, 30], imageItem('1.2.3.4', 3))]),
          num(code('410668003', 'SCT', 'Length'), 5, 'mm', [scoord('POLYLINE', [1, 2, 3], imageItem('1.2.3.4', 3))]),
        ]),
        container(code('125007', 'DCM', 'Measurement Group'), [
          trackingIdentifier('Lesion 2'),
          num(code('G-A185', 'SRT', 'Long Axis'), 20, 'mm', [scoord('POLYLINE', [100, 100, 120, 100], imageItem('1.2.3.5'))]),
          // On another image than its long axis: cannot pair.
          num(code('G-A186', 'SRT', 'Short Axis'), 8, 'mm', [scoord('POLYLINE', [110, 96, 110, 104], imageItem('1.2.3.6'))]),
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'SCOORD',
            ConceptNameCodeSequence: code('111030', 'DCM', 'Image Region'),
            GraphicType: 'POLYLINE',
            GraphicData: [5, 5, 25, 5],
            // SELECTED FROM by reference: the root's 2nd child's 1st child, the image library entry below.
            ContentSequence: [{ RelationshipType: 'SELECTED FROM', ReferencedContentItemIdentifier: [1, 2, 1] }],
          },
        ]),
      ]),
      container(code('111028', 'DCM', 'Image Library'), [imageLibraryImage]),
    ]),
  );
  const result = readDicomMeasurements(bytes);

  it('pairs the long and short axes of one group, converting SCOORD corners to pixel centres', () => {
    const [pair] = result.measurements;
    expect(pair).toEqual({
      source: 'dicom-sr',
      sourceSopInstanceUid: '2.25.500',
      referencedSopInstanceUid: '1.2.3.4',
      referencedFrame: 2, // ReferencedFrameNumber 3 is 1-based
      recist: {
        // SCOORD (0, 30)-(20, 30) and (10, 20)-(10, 40) minus half a pixel
        longAxis: [{ x: -0.5, y: 29.5 }, { x: 19.5, y: 29.5 }],
        shortAxis: [{ x: 9.5, y: 19.5 }, { x: 9.5, y: 39.5 }],
      },
      reportedLongAxisMm: 30,
      reportedShortAxisMm: 12.5,
      label: 'Lesion 1 <b>liver</b> next', // plain text: control characters gone, markup left as literal text
      trackingUid: '2.25.1001',
      groupKey: '1.1.1',
      itemKeys: ['1.1.1.4.1', '1.1.1.3.1'],
      derivedFrom: null,
    });
  });

  it('keeps a long axis without a short axis on its image, and resolves a by-reference image', () => {
    expect(result.measurements.map((m) => [m.groupKey, m.referencedSopInstanceUid, m.recist.shortAxis, m.reportedLongAxisMm])).toEqual([
      ['1.1.1', '1.2.3.4', expect.anything(), 30],
      ['1.1.2', '1.2.3.5', null, 20],
      ['1.1.2', '1.2.3.7', null, null],
    ]);
    expect(result.measurements[2]!.recist.longAxis).toEqual([{ x: 4.5, y: 4.5 }, { x: 24.5, y: 4.5 }]);
    expect(result.measurements[2]!.referencedFrame).toBeNull();
  });

  it('skips a malformed SCOORD and an unpaired short axis with reasons', () => {
    expect(result.skipped).toEqual([
      { reason: 'SCOORD 1.1.1.5.1 has 3 GraphicData values; a 2-point line needs 4', groupKey: '1.1.1', referencedSopInstanceUid: '1.2.3.4' },
      {
        reason: 'short axis 1.1.2.3.1 has no long axis on the same image in its measurement group',
        groupKey: '1.1.2',
        referencedSopInstanceUid: '1.2.3.6',
      },
    ]);
  });
});

describe.runIf(hasSharedData)('readDicomMeasurements on real SR measurement reports', () => {
  it('reads the cornerstone TID 1500 report: one bidirectional RECIST and two lengths', () => {
    const result = read(annotations('sr-recist', 'structured_report.dcm'));
    // Reference values read with pydicom (/usr/bin/python3, pydicom.dcmread): SCOORD GraphicData and NUM values.
    //   1.5.3.3 NUM Long Axis (G-A185, SRT) 93.9 mm   <- SCOORD POLYLINE [71.5, 329.0, 139.5, 397.0] on ...220.11
    //   1.5.3.4 NUM Short Axis (G-A186, SRT) 47.0 mm  <- SCOORD POLYLINE [88.5, 380.0, 122.5, 346.0] on ...220.11
    //   1.5.4.3 NUM Length (G-D7FE, SRT) 39.366492911614 mm   <- [237.5, 392.0, 272.5, 372.0] on ...220.11
    //   1.5.5.3 NUM Length (G-D7FE, SRT) 133.992062006165 mm  <- [167.5, 288.0, 262.5, 387.0] on ...220.12
    const image11 = '1.3.6.1.4.1.25403.52237031786.3872.20100510032220.11';
    const image12 = '1.3.6.1.4.1.25403.52237031786.3872.20100510032220.12';
    expect(result.measurements).toHaveLength(5);
    const [recist, length1, length2, ellipse1, ellipse2] = result.measurements;

    expect(recist).toEqual({
      source: 'dicom-sr',
      sourceSopInstanceUid: '2.25.360113590234267174406693389099720077545',
      referencedSopInstanceUid: image11,
      referencedFrame: null,
      recist: {
        longAxis: [{ x: 71, y: 328.5 }, { x: 139, y: 396.5 }],
        shortAxis: [{ x: 88, y: 379.5 }, { x: 122, y: 345.5 }],
      },
      reportedLongAxisMm: 93.9,
      reportedShortAxisMm: 47.0,
      label: 'cornerstoneTools@^4.0.0:Bidirectional',
      trackingUid: '2.25.727123647032892115231673449406461991117',
      groupKey: '1.5.3',
      itemKeys: ['1.5.3.3.1', '1.5.3.4.1'],
      derivedFrom: null,
    });
    expect(axesAngleDegrees(recist!.recist)).toBeCloseTo(90, 6);

    expect(length1).toMatchObject({
      referencedSopInstanceUid: image11,
      recist: { longAxis: [{ x: 237, y: 391.5 }, { x: 272, y: 371.5 }], shortAxis: null },
      reportedLongAxisMm: 39.366492911614,
      reportedShortAxisMm: null,
      groupKey: '1.5.4',
    });
    expect(length2).toMatchObject({
      referencedSopInstanceUid: image12,
      recist: { longAxis: [{ x: 167, y: 287.5 }, { x: 262, y: 386.5 }], shortAxis: null },
      reportedLongAxisMm: 133.992062006165,
      groupKey: '1.5.5',
    });

    // The images are not included, but every reported value implies the same pixel spacing (250/256 mm, a 250 mm
    // field of view on 256 pixels): the lines and the NUMs were paired correctly. DS values are rounded to 0.1 mm.
    const spacing = [0.9765625, 0.9765625] as const;
    expect(segmentLengthMm(recist!.recist.longAxis, spacing)).toBeCloseTo(93.9, 1);
    expect(segmentLengthMm(recist!.recist.shortAxis!, spacing)).toBeCloseTo(47.0, 1);
    expect(segmentLengthMm(length1!.recist.longAxis, spacing)).toBeCloseTo(39.366492911614, 6);
    expect(segmentLengthMm(length2!.recist.longAxis, spacing)).toBeCloseTo(133.992062006165, 6);

    // The ellipses are outlines: their major and minor axes (pydicom: 1.5.2.3.1 [295.5, 319.5, 388.5, 319.5,
    // 342.0, 285.0, 342.0, 354.0], 1.5.6.3.1 [263.5, 286.0, 342.5, 286.0, 303.0, 253.0, 303.0, 319.0]) become
    // derived RECIST axes, minus half a pixel.
    expect(ellipse1).toMatchObject({
      referencedSopInstanceUid: image11,
      recist: { longAxis: [{ x: 295, y: 319 }, { x: 388, y: 319 }], shortAxis: [{ x: 341.5, y: 284.5 }, { x: 341.5, y: 353.5 }] },
      derivedFrom: 'ELLIPSE',
      groupKey: '1.5.2',
    });
    expect(ellipse2).toMatchObject({
      referencedSopInstanceUid: image12,
      recist: { longAxis: [{ x: 263, y: 285.5 }, { x: 342, y: 285.5 }], shortAxis: [{ x: 302.5, y: 252.5 }, { x: 302.5, y: 318.5 }] },
      derivedFrom: 'ELLIPSE',
    });

    expect(result.skipped).toEqual([
      { reason: 'SCOORD 1.5.1.4.1 has GraphicType POINT; only lines and region outlines are measurements', groupKey: '1.5.1', referencedSopInstanceUid: image11 },
    ]);
  });

  // ct_image.dcm's SOP Instance UID, read with pydicom.
  const ctImageUid = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

  it('derives the axes of the circle in highdicom\'s planar ROI report, on ct_image.dcm', () => {
    // pydicom: 1.8.1.4 SCOORD (Image Region) CIRCLE [58, 52, 58, 41], SELECTED FROM ct_image.dcm: centre
    // (57.5, 51.5) and radius 11 in pixel-centre coordinates; the axes are its horizontal and vertical diameters.
    const result = read(annotations('sr-with-ct', 'sr_document.dcm'));
    expect(result.skipped).toEqual([]);
    expect(result.measurements).toHaveLength(1);
    expect(result.measurements[0]).toMatchObject({
      referencedSopInstanceUid: ctImageUid,
      recist: { longAxis: [{ x: 46.5, y: 51.5 }, { x: 68.5, y: 51.5 }], shortAxis: [{ x: 57.5, y: 40.5 }, { x: 57.5, y: 62.5 }] },
      derivedFrom: 'CIRCLE',
      groupKey: '1.8.1',
    });
  });

  it('derives axes from the circle and the square outline of highdicom\'s multi-group report', () => {
    // pydicom: 1.7.2.8 CIRCLE [45, 55, 45, 65]; 1.7.3.6 POLYLINE [25, 45, 45, 45, 45, 65, 25, 65]; 1.7.4.6 SCOORD3D
    // POINT; group 1.7.1 holds only NUM "Intensity Histogram Mean" -119.07385253906 HU and an IMAGE item.
    const result = read(annotations('sr-with-ct', 'sr_document_with_multiple_groups.dcm'));
    expect(result.measurements.map((m) => [m.groupKey, m.referencedSopInstanceUid, m.derivedFrom])).toEqual([
      ['1.7.2', ctImageUid, 'CIRCLE'],
      ['1.7.3', ctImageUid, 'POLYGON'],
    ]);
    // centre (44.5, 54.5), radius 10
    expect(result.measurements[0]!.recist.longAxis).toEqual([{ x: 34.5, y: 54.5 }, { x: 54.5, y: 54.5 }]);
    // a 20 x 20 px square: both axes are its diagonals, 20 * sqrt(2) long
    const square = result.measurements[1]!.recist;
    expect(square.longAxis).toEqual([{ x: 24.5, y: 44.5 }, { x: 44.5, y: 64.5 }]);
    expect(Math.hypot(square.shortAxis![1].x - square.shortAxis![0].x, square.shortAxis![1].y - square.shortAxis![0].y)).toBeCloseTo(20 * Math.SQRT2, 9);
    expect(result.skipped.map((s) => [s.groupKey, s.referencedSopInstanceUid])).toEqual([
      ['1.7.4', null],
      ['1.7.1', null],
    ]);
    expect(result.skipped[0]!.reason).toMatch(/^SCOORD3D 1\.7\.4\.6 holds patient \(3D\) coordinates/);
    expect(result.skipped[1]!.reason).toMatch(/^measurement group 1\.7\.1 \(Image0001\) has no 2-point line.*Intensity Histogram Mean/);
  });

  it('the ct_image.dcm UID the reports reference is the image\'s own', () => {
    const ct = readFileSync(annotations('sr-with-ct', 'ct_image.dcm'));
    expect(readDicomMeasurements(ct)).toEqual({ measurements: [], skipped: [] }); // an image: not a measurement object
    expect(ct.includes(Buffer.from(ctImageUid))).toBe(true);
  });

  it('reads the PET report (volumetric SUV measurements of a segment) as no lines, with the reason', () => {
    // pydicom: group 1.6.1 "primary tumor" has 22 NUM items (SUVbw, Volume, Total Lesion Glycolysis, ...) that
    // reference a SEG segment, and no SCOORD anywhere in the document.
    const result = read(annotations('pet-sr', 'sr.dcm'));
    expect(result.measurements).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.groupKey).toBe('1.6.1');
    expect(result.skipped[0]!.reason).toMatch(/^measurement group 1\.6\.1 \(primary tumor\) has no 2-point line; its 22 numeric value\(s\) \(SUVbw, Volume,/);
  });
});
