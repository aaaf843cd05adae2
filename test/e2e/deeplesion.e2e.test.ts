import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

describe.skipIf(!canRunE2e)('DeepLesion slices with their lesions in the viewer', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startSession();
    const job = await s.ws.api.library.startImport({ paths: [fixture('deeplesion')] });
    await s.ws.jobs.wait(job.id);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows the key slice in HU with the lesion\'s box, axes and thumbnail', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await page.locator('[data-test=series][data-series-uid="deeplesion:002648_01_01"]').click();
    await page.locator('[data-test=slice-index]').waitFor();
    await page.waitForFunction(() => !document.querySelector('.viewer__message'));
    // two lesions of the table sit on this slice
    await expect.poll(() => page.locator('[data-test=lesion-box]').count()).toBe(2);
    expect(await page.textContent('[data-test=lesion-count]')).toBe('2');
    const rows = await page.locator('[data-test=lesion-row]').allTextContents();
    for (const r of rows) expect(r).toContain('DeepLesion');
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('[data-test=lesion-thumbnail]')].every((img) => img.complete && img.naturalWidth === 128),
    );
    // the table's window for this series is -175..275 HU
    expect(await page.textContent('[data-test=window-values]')).toContain('W 450 / L 50');
    await page.keyboard.press('4'); // liver window
    const box = (await page.locator('[data-test=viewport]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.screenshot({ path: join(artifactsDir, 'deeplesion-overlays.png') });
    expect(s.pageErrors).toEqual([]);
  });
});
