import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepLesionSample } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

/** About 5,000 lesions: the DeepLesion validation table (4,889 rows; bundled, and in ../shared). */
const lesionTable = join(deepLesionSample, 'DL_info_val.csv');

describe.skipIf(!canRunE2e)('mining workspace on ~5,000 lesions', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startSession();
    await s.ws.jobs.wait((await s.ws.api.library.startImport({ paths: [lesionTable] })).id);
    await s.ws.jobs.wait((await s.ws.api.mining.startEmbedding({})).id);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  /** Longest gap between animation frames while `work` runs: the UI must keep drawing while workers compute. */
  async function longestFrameGap(work: () => Promise<void>): Promise<number> {
    await s.page.evaluate(() => {
      const w = window as unknown as { __gap: number; __last: number; __stop: boolean };
      w.__gap = 0;
      w.__last = performance.now();
      w.__stop = false;
      const tick = (t: number) => {
        w.__gap = Math.max(w.__gap, t - w.__last);
        w.__last = t;
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await work();
    return s.page.evaluate(() => {
      const w = window as unknown as { __gap: number; __stop: boolean };
      w.__stop = true;
      return w.__gap;
    });
  }

  it('suggests k with a chart and progress, without freezing the page', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await page.click('[data-test=nav-mining]');
    await page.locator('[data-test=run-form]').waitFor();
    await page.fill('input[aria-label="smallest k"]', '4');
    await page.fill('input[aria-label="largest k"]', '10');
    const gap = await longestFrameGap(async () => {
      await page.click('[data-test=suggest-k]');
      await expect.poll(() => page.textContent('[data-test=suggest-k]')).toMatch(/\d+ \/ \d+/); // progress on the button
      await page.locator('[data-test=k-suggestion] canvas').waitFor({ timeout: 120_000 });
    });
    expect(gap).toBeLessThan(500);
    expect(await page.textContent('[data-test=suggested-k]')).toMatch(/k = \d+/);
  });

  it('clusters, shows the rounds, and draws the 2-D map with progress, without freezing the page', async () => {
    const { page } = s;
    await page.fill('[data-test=run-k]', '8');
    await page.click('[data-test=run-start]');
    await page.locator('[data-test=run-rounds]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-test=cluster-card]').count()).toBe(8);
    // the run tells how location was compared: in mm, with the scale it measured
    expect(await page.textContent('[data-test=run-location-scale]')).toMatch(/location in mm: \d+ \/ \d+ \/ \d+ mm per unit of x \/ y \/ z/);
    const gap = await longestFrameGap(async () => {
      await page.click('[data-test=compute-map]');
      await page.locator('[data-test=map-progress]').waitFor();
      await page.locator('[data-test=run-map-canvas]').waitFor({ timeout: 180_000 });
    });
    expect(gap).toBeLessThan(500);
    await page.waitForTimeout(300);
    // the points are drawn: the map canvas is not a blank background
    const coloured = await page.evaluate(() => {
      const c = document.querySelector('[data-test=run-map-canvas]') as HTMLCanvasElement;
      const probe = document.createElement('canvas');
      probe.width = 200;
      probe.height = 100;
      const ctx = probe.getContext('2d')!;
      ctx.drawImage(c, 0, 0, 200, 100);
      const px = ctx.getImageData(0, 0, 200, 100).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! + px[i + 1]! + px[i + 2]! > 150) n++;
      return n;
    });
    expect(coloured).toBeGreaterThan(100);
    await page.screenshot({ path: join(artifactsDir, 'mining-map.png') });
    expect(s.pageErrors).toEqual([]);
  });
});
