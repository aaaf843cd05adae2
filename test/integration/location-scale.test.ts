import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusteringRunSummary } from '../../src-main/contract';
import { catalogueLocationScale } from '../../src-main/core/embedding/location-scale';
import type { Workstation } from '../../src-main/core/workstation';
import { finished as finishedJob } from '../helpers/jobs';
import { sampleLibrary } from '../helpers/data';
import { testWorkstation } from '../helpers/workstation';

/**
 * The location scale on DICOM lesions: location is the box centre relative to the body on the key slice and the
 * slice's place in its series, so the scale says how wide the body is and how long the series is, in mm.
 */
let ws: Workstation;
let close: () => Promise<void>;
const finished = <T>(started: Promise<{ id: string }>) => finishedJob<T>(ws, started);

beforeAll(async () => {
  ({ ws, close } = testWorkstation());
  await finished(ws.api.library.startImport({ paths: [sampleLibrary] }));
}, 60_000);
afterAll(() => close());

describe('location scale of DICOM lesions (real chest CT, lesions drawn by an annotator)', () => {
  it('measures the series length along z and a chest-sized body across x and y; clustering records it', async () => {
    const [patient] = (await ws.api.catalogue.libraryTree()).filter((p) => p.patientId === 'Lung_Dx-A0002');
    let seriesLengthMm = 0;
    for (const series of patient!.studies[0]!.series) {
      const detail = await ws.api.catalogue.seriesDetail(series.id);
      const slices = detail.sliceList;
      seriesLengthMm = Math.abs(slices.at(-1)!.position! - slices[0]!.position!);
      // ten marks spread over the series and over the chest (pixel positions inside the body of these slices)
      for (let i = 0; i < 10; i++) {
        const slice = slices[Math.round((i * (slices.length - 1)) / 9)]!;
        const x = 150 + ((i * 37) % 220);
        const y = 200 + ((i * 53) % 120);
        await ws.api.lesions.create({
          instanceId: slice.instanceId,
          frame: slice.frame,
          recist: { longAxis: [{ x, y }, { x: x + 20, y: y + 6 }], shortAxis: [{ x: x + 8, y: y + 10 }, { x: x + 12, y: y - 4 }] },
          actor: 'test',
        });
      }
    }
    await finished(ws.api.mining.startEmbedding({}));
    const model = ws.models.resolve();
    const scale = catalogueLocationScale(ws.catalogue, ws.catalogue.embeddings.all(model.id), ws.catalogue.embeddings.layout(model.id)!)!;
    expect(scale).not.toBeNull();
    // z: slice index / (count - 1) against the position along the normal: the series' length, exactly
    expect(scale.mmPerUnit[2] / seriesLengthMm).toBeCloseTo(1, 3);
    // x, y: box centres against the body's box on each slice: an adult chest's width and depth
    expect(scale.mmPerUnit[0]).toBeGreaterThan(250);
    expect(scale.mmPerUnit[0]).toBeLessThan(500);
    expect(scale.mmPerUnit[1]).toBeGreaterThan(150);
    expect(scale.mmPerUnit[1]).toBeLessThan(400);
    const run = await finished<ClusteringRunSummary>(ws.api.clustering.startClustering({ k: 3, seed: 1 }));
    run.locationMmPerUnit!.forEach((v, axis) => expect(v).toBeCloseTo(scale.mmPerUnit[axis]!, 6));
  });
});
