import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { measurementsFromDataset, readDicomMeasurements } from '../../../../src-main/core/mining/dicom-measurements';
import { hasSharedData, sharedData } from '../../../helpers/data';
import { code, container, imageItem, num, scoord, srDocument, toPart10 } from './dicom-builders';

describe('readDicomMeasurements at the edges', () => {
  it('answers bytes that are not DICOM with a reason instead of an exception', () => {
    const result = readDicomMeasurements(new TextEncoder().encode('not a DICOM file'));
    expect(result.measurements).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.reason).toMatch(/^not readable as a DICOM file: /);
  });

  it('reads a file from a view into a larger buffer', () => {
    const file = toPart10(
      srDocument('2.25.9', [
        container(code('125007', 'DCM', 'Measurement Group'), [
          num(code('G-D7FE', 'SRT', 'Length'), 4, 'mm', [scoord('POLYLINE', [1, 1, 5, 1], imageItem('1.2.3'))]),
        ]),
      ]),
    );
    const larger = new Uint8Array(file.length + 100);
    larger.set(file, 60);
    const result = readDicomMeasurements(larger.subarray(60, 60 + file.length));
    expect(result.measurements.map((m) => [m.reportedLongAxisMm, m.recist.longAxis])).toEqual([
      [4, [{ x: 0.5, y: 0.5 }, { x: 4.5, y: 0.5 }]],
    ]);
  });

  it('gives nothing for objects that are neither SR nor presentation state, and says why for 3D presentation states', () => {
    expect(measurementsFromDataset({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2' })).toEqual({
      measurements: [],
      skipped: [],
    });
    const volumetric = measurementsFromDataset({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.11.6', SOPInstanceUID: '1.2' });
    expect(volumetric.skipped.map((s) => s.reason)).toEqual([
      'presentation state of SOP class 1.2.840.10008.5.1.4.1.1.11.6 is volumetric: its 3D graphics are not read',
    ]);
  });

  it('survives sequences of the wrong shape', () => {
    const odd = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22',
      SOPInstanceUID: '2.25.1',
      ContentSequence: [
        'text where an item belongs',
        { ValueType: 'SCOORD', GraphicType: 'POLYLINE', GraphicData: ['a', 'b', 'c', 'd'] },
        { ValueType: 'SCOORD', GraphicType: 'POLYLINE', GraphicData: [0, 0, 0, 0], ContentSequence: imageItem('1.2') },
        { ValueType: 'SCOORD', GraphicType: 'POLYLINE', GraphicData: [0, 0, 3, 4] },
      ],
    };
    expect(measurementsFromDataset(odd).skipped.map((s) => s.reason)).toEqual([
      'content item 1.1 is not a dataset',
      'SCOORD 1.2 has non-numeric GraphicData',
      'SCOORD 1.3 is a line of zero length',
      'SCOORD 1.4: it names 0 images (SELECTED FROM IMAGE items); a line lies on one',
    ]);
  });
});

describe.runIf(hasSharedData)('readDicomMeasurements on a truncated real report', () => {
  it('returns a reason, not an exception, for every truncation of the cornerstone report', () => {
    const whole = readFileSync(sharedData('dicom', 'annotations', 'sr-recist', 'structured_report.dcm'));
    for (let length = 0; length < whole.length; length += 97) {
      const result = readDicomMeasurements(whole.subarray(0, length));
      // Cut inside an element, dcmjs throws (a reason); cut between elements, it returns what came before.
      expect(result.skipped.length).toBeGreaterThan(0);
      expect(result.measurements.length).toBeLessThan(5); // 5 in the whole file
    }
  });
});
