import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalogue, type Catalogue } from '../../../../src-main/core/catalogue/catalogue';
import { ConflictError, type NewLesion } from '../../../../src-main/core/catalogue/lesions';

let catalogue: Catalogue;
beforeEach(() => {
  catalogue = openCatalogue(':memory:');
});
afterEach(() => catalogue.close());

const recist = { longAxis: [{ x: 100, y: 100 }, { x: 130, y: 140 }], shortAxis: [{ x: 125, y: 110 }, { x: 105, y: 125 }] } as NewLesion['recist'];

function lesion(overrides: Partial<NewLesion> = {}): NewLesion {
  return {
    seriesId: null,
    instanceId: null,
    frame: 0,
    keySliceRef: '1.2.3',
    recist,
    spacing: [0.5, 0.5],
    source: 'annotator',
    sourceRef: 'a',
    referenceType: null,
    split: null,
    noisy: false,
    attributes: {},
    ...overrides,
  };
}

describe('lesions repository', () => {
  it('derives lengths in px and mm and the DeepLesion box from the axes', () => {
    const l = catalogue.transaction(() => catalogue.lesions.create(lesion(), 'Ann'));
    expect(l.longAxisPx).toBe(50);
    expect(l.longAxisMm).toBe(25);
    expect(l.shortAxisPx).toBe(25);
    expect(l.box).toEqual({ x1: 95, y1: 95, x2: 135, y2: 145 });
    expect(l.version).toBe(1);
  });

  it('audits create, update, delete and restore with before and after', () => {
    const l = catalogue.transaction(() => catalogue.lesions.create(lesion(), 'Ann'));
    const moved = { ...recist, longAxis: [{ x: 100, y: 100 }, { x: 160, y: 180 }] } as NewLesion['recist'];
    const u = catalogue.transaction(() => catalogue.lesions.updateRecist(l.id, 1, moved, 'Ben'));
    expect(u.version).toBe(2);
    expect(u.longAxisMm).toBe(50);
    catalogue.transaction(() => catalogue.lesions.remove(l.id, 2, 'Ann'));
    expect(() => catalogue.lesions.get(l.id)).toThrow(/no lesion/);
    catalogue.transaction(() => catalogue.lesions.restore(l.id, 'Ann'));
    const history = catalogue.audit.forEntity('lesion', l.id);
    expect(history.map((h) => [h.action, h.actor])).toEqual([
      ['create', 'Ann'],
      ['update', 'Ben'],
      ['delete', 'Ann'],
      ['restore', 'Ann'],
    ]);
    expect(history[1]!.before).toMatchObject({ longAxisMm: 25 });
    expect(history[1]!.after).toMatchObject({ longAxisMm: 50 });
  });

  it('refuses an edit made against a stale version (another window changed the lesion)', () => {
    const l = catalogue.transaction(() => catalogue.lesions.create(lesion(), 'Ann'));
    catalogue.transaction(() => catalogue.lesions.updateRecist(l.id, 1, recist, 'Ann'));
    expect(() => catalogue.transaction(() => catalogue.lesions.updateRecist(l.id, 1, recist, 'Ben'))).toThrow(ConflictError);
    expect(() => catalogue.transaction(() => catalogue.lesions.remove(l.id, 1, 'Ben'))).toThrow(ConflictError);
    expect(catalogue.audit.forEntity('lesion', l.id)).toHaveLength(2); // nothing recorded for the refused edits
  });

  it('imports idempotently by source and reference', () => {
    const rows = [lesion({ source: 'deeplesion', sourceRef: 'r1' }), lesion({ source: 'deeplesion', sourceRef: 'r2' })];
    expect(catalogue.transaction(() => catalogue.lesions.insertMany(rows))).toBe(2);
    expect(catalogue.transaction(() => catalogue.lesions.insertMany(rows))).toBe(0);
    expect(catalogue.lesions.countBySource()).toEqual({ deeplesion: 2 });
  });

  it('links a lesion to its image when it arrives and measures mm with the image spacing', () => {
    catalogue.transaction(() => catalogue.lesions.insertMany([lesion({ source: 'dicom-sr', sourceRef: 's', spacing: null, keySliceRef: '9.9.9', reportedMm: { long: 48, short: null } })]));
    const [before] = catalogue.lesions.list({ offset: 0, limit: 10 }).items;
    expect(before!.instanceId).toBeNull();
    expect(before!.longAxisMm).toBe(48); // what the SR states, while the image is missing
    const patient = catalogue.patients.upsert({ patientId: 'P', name: null, birthDate: null, sex: null });
    const study = catalogue.studies.upsert(patient, { studyInstanceUid: '1', studyDate: null, studyTime: null, description: null, accessionNumber: null, studyId: null, patientAge: null });
    const series = catalogue.series.upsert(study, { seriesInstanceUid: '2', modality: 'CT', seriesNumber: 1, description: null, bodyPart: null, frameOfReferenceUid: null, manufacturer: null });
    catalogue.instances.upsert(series, { path: '/x.dcm', size: 1, mtimeMs: 1 }, {
      format: 'dicom', sopInstanceUid: '9.9.9', sopClassUid: null, transferSyntaxUid: null, instanceNumber: 1, frames: 1, rows: 512, columns: 512,
      pixelSpacing: [0.8, 0.8], imagePosition: null, imageOrientation: null, slicePosition: null, framePositions: null, sliceThickness: null,
      spacingBetweenSlices: null, rescaleSlope: 1, rescaleIntercept: 0, rescaleType: null, windowPresets: [], bitsAllocated: 16, bitsStored: 16,
      pixelRepresentation: 1, samplesPerPixel: 1, photometric: 'MONOCHROME2', imageType: null, acquisitionNumber: null,
    });
    expect(catalogue.transaction(() => catalogue.lesions.linkUnresolved())).toBe(1);
    const [after] = catalogue.lesions.list({ offset: 0, limit: 10 }).items;
    expect(after!.seriesId).toBe(series);
    expect(after!.longAxisMm).toBeCloseTo(40, 9); // 50 px at 0.8 mm
    expect(catalogue.lesions.unresolvedCount()).toBe(0);
  });

  it('keeps a series that lesions refer to when its images are gone', () => {
    const patient = catalogue.patients.upsert({ patientId: 'P', name: null, birthDate: null, sex: null });
    const study = catalogue.studies.upsert(patient, { studyInstanceUid: '1', studyDate: null, studyTime: null, description: null, accessionNumber: null, studyId: null, patientAge: null });
    const series = catalogue.series.upsert(study, { seriesInstanceUid: '2', modality: 'CT', seriesNumber: 1, description: null, bodyPart: null, frameOfReferenceUid: null, manufacturer: null });
    catalogue.transaction(() => catalogue.lesions.insertMany([lesion({ seriesId: series, source: 'deeplesion', sourceRef: 'x' })]));
    catalogue.pruneEmpty();
    expect(catalogue.series.count()).toBe(1);
  });
});
