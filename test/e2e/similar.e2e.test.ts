import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, sampleLibrary } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

describe.skipIf(!canRunE2e)('embedding from the UI and the similar-lesions strip', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startSession();
    const job = await s.ws.api.library.startImport({ paths: [fixture('deeplesion'), sampleLibrary] });
    await s.ws.jobs.wait(job.id);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows the execution provider, embeds every lesion with a button, and shows similar lesions', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await expect.poll(() => page.textContent('[data-test=execution-provider]'), { timeout: 20_000 }).toContain('CPU');
    expect(await page.textContent('[data-test=embedding-status]')).toContain('0 / 33 embedded');
    await page.click('[data-test=start-embedding]');
    await expect.poll(() => page.textContent('[data-test=embedding-status]'), { timeout: 60_000 }).toContain('33 / 33 embedded');

    await page.locator('[data-test=series][data-series-uid="deeplesion:000069_02_01"]').click();
    await page.locator('[data-test=lesion-row]').first().waitFor();
    await page.locator('[data-test=lesion-row] button').first().click();
    // by default the strip shows the nearest lesions that have an image: the two other key slices here
    await expect.poll(() => page.locator('[data-test=similar-lesion]').count()).toBe(2);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[data-test=similar-lesion] img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: join(artifactsDir, 'similar-lesions.png') });

    // all of them: the table-only lesions too, shown without a thumbnail
    await page.click('[data-test=similar-images-only]');
    await expect.poll(() => page.locator('[data-test=similar-lesion]').count()).toBe(8);
    await page.click('[data-test=similar-images-only]');
    // open a similar lesion: the viewer moves to its series and slice
    const withImage = page.locator('[data-test=similar-lesion]:not([disabled])');
    expect(await withImage.count()).toBe(2);
    const title = (await withImage.first().getAttribute('title'))!;
    const lesionId = Number(/Lesion (\d+)/.exec(title)![1]);
    await withImage.first().click();
    const target = await s.ws.api.lesions.get(lesionId);
    await expect.poll(async () => page.locator('[data-test=series].tree__series--selected').getAttribute('data-series-uid')).toBe(
      (await s.ws.api.catalogue.seriesDetail(target.seriesId!)).seriesInstanceUid,
    );
    await expect.poll(() => page.locator('.lesions__row--selected').count()).toBe(1);
    expect(s.pageErrors).toEqual([]);
  });
});
