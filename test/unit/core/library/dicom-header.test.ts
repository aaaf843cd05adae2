import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomHeader } from '../../../../src-main/core/library/dicom-header';
import { DicomPixelSource, modalityValues } from '../../../../src-main/core/library/dicom-pixels';
import { fixture, hasSharedData, sampleLibrary, sharedData } from '../../../helpers/data';

function sampleFiles(): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return walk(sampleLibrary).sort();
}

function header(path: string) {
  const r = readDicomHeader(readFileSync(path), statSync(path).size);
  if (!r.ok) throw new Error(r.reason);
  return r.header;
}

describe('readDicomHeader on the bundled lung CT (values checked with pydicom 2.3)', () => {
  const first = sampleFiles()[0]!;

  it('reads patient, study and series identity', () => {
    const h = header(first);
    expect(h.patient.patientId).toBe('Lung_Dx-A0002');
    expect(h.study.studyDate).toBe('2007-04-25');
    expect(h.series.modality).toBe('CT');
    expect(h.series.description).toBe('ThoraxRoutine  8.0.0  B40f');
    expect(h.instance.sopInstanceUid).toBe('1.3.6.1.4.1.14519.5.2.1.6655.2359.101887664051076773980939948191');
  });

  it('reads geometry, rescale and window presets', () => {
    const i = header(first).instance;
    expect([i.rows, i.columns, i.frames]).toEqual([512, 512, 1]);
    expect(i.pixelSpacing).toEqual([0.646484375, 0.646484375]);
    expect(i.imagePosition).toEqual([-173.1767578125, -294.1767578125, 312]);
    expect(i.imageOrientation).toEqual([1, 0, 0, 0, 1, 0]);
    expect(i.slicePosition).toBe(312); // axial: the normal is +z
    expect(i.sliceThickness).toBe(8);
    expect([i.rescaleSlope, i.rescaleIntercept]).toEqual([1, -1024]);
    expect(i.windowPresets).toEqual([
      { name: 'WINDOW1', center: 40, width: 350 },
      { name: 'WINDOW2', center: -600, width: 1200 },
    ]);
    expect(i.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
  });

  it('decodes HU equal to pydicom', async () => {
    const values = modalityValues(await new DicomPixelSource(readFileSync(first)).decodeFrame(0));
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(sum).toBe(-157370201);
    expect(values[256 * 512 + 256]).toBe(-216);
    expect([min, max]).toEqual([-1024, 1173]);
  });
});

describe('readDicomHeader rejects broken files with a reason', () => {
  const cases: [string, RegExp][] = [
    ['empty.dcm', /empty file/],
    ['not-dicom.txt.dcm', /too short for DICOM/],
    ['MR_truncated.dcm', /pixel data truncated: 8130 of 8192 bytes/],
    ['rtplan_truncated.dcm', /damaged/],
    ['nested_priv_SQ.dcm', /missing SOP Instance UID/],
    ['meta_missing_tsyntax.dcm', /missing SOP Instance UID/],
    ['no_meta_group_length.dcm', /missing SOP Instance UID/],
    ['ExplVR_LitEndNoMeta.dcm', /damaged|missing/],
    ['ExplVR_BigEndNoMeta.dcm', /damaged|missing/],
  ];
  it.each(cases)('%s', (name, reason) => {
    const path = fixture('dicom', 'broken', name);
    const r = readDicomHeader(readFileSync(path), statSync(path).size);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('salvages a file whose only fault is an unknown VR (badVR.dcm: a 32-bit RT dose)', () => {
    const h = header(fixture('dicom', 'broken', 'badVR.dcm'));
    expect([h.instance.rows, h.instance.columns, h.instance.bitsAllocated]).toEqual([10, 10, 32]);
  });
});

describe.runIf(hasSharedData)('enhanced multi-frame geometry', () => {
  it('reads per-frame positions equal to the single-frame copies of the same slices', () => {
    const dir = sharedData('dicom', 'series', 'tiny-3slice', '23x38x3');
    const mf = header(join(dir, 'multiframe', 'mf.dcm')).instance;
    expect(mf.frames).toBe(3);
    const singles = ['IMG0001.dcm', 'IMG0002.dcm', 'IMG0003.dcm'].map((f) => header(join(dir, 'image', f)).instance.imagePosition);
    expect(mf.framePositions).toEqual(singles);
    expect(mf.imageOrientation).toEqual(header(join(dir, 'image', 'IMG0001.dcm')).instance.imageOrientation);
  });

  it('refuses a header that claims 3 GB of pixels the file does not hold', () => {
    const path = sharedData('dicom', 'broken', '3gb-bulk-data-truncated.dcm');
    const r = readDicomHeader(readFileSync(path), statSync(path).size);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/pixel data truncated: \d+ of 3221225472 bytes/);
  });
});
