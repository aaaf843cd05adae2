import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSharedData, sampleLibrary, sharedData } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

// The lung CT of the shared data (two series) when present, else the bundled sample (one series).
const lungCt = hasSharedData ? sharedData('ct', 'Lung_Dx-A0002', 'dicom') : sampleLibrary;
const expectedSeries = hasSharedData ? 2 : 1;

describe.skipIf(!canRunE2e)('workstation in Chromium: import, open a series, scroll, window', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses to load without the session token', async () => {
    const response = await s.context.request.get(s.host.url.replace(/\?token=.*/, ''));
    expect(response.status()).toBe(401);
  });

  it('imports a folder through the import dialog with a progress bar', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await page.getByText('The catalogue is empty.').waitFor();
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    await page.click('[data-test=open-import]');
    await page.fill('[data-test=import-paths]', lungCt);
    await page.click('[data-test=import-start]');
    await page.locator('[data-test=import-progress] progress').waitFor();
    const summary = page.locator('[data-test=import-summary]');
    await summary.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(artifactsDir, 'import-dialog.png') });
    expect(await summary.textContent()).toContain(`${expectedSeries * 30} imported`);
    await page.getByRole('button', { name: 'Close' }).click();
    await expectSeriesCount(expectedSeries);
    await page.screenshot({ path: join(artifactsDir, 'library.png') });
  });

  async function expectSeriesCount(n: number): Promise<void> {
    await s.page.waitForFunction((count) => document.querySelectorAll('[data-test=series]').length === count, n);
    const texts = await s.page.locator('[data-test=series]').allTextContents();
    for (const t of texts) expect(t).toContain('30 slices');
  }

  it('opens a series in the viewer and shows the lung with a lung window', async () => {
    const { page } = s;
    await page.locator('[data-test=series]').first().click();
    const sliceLabel = page.locator('[data-test=slice-index]');
    await sliceLabel.waitFor();
    await page.waitForFunction(() => !document.querySelector('.viewer__message'));
    expect(await sliceLabel.textContent()).toBe('Slice 16 / 30');
    await page.keyboard.press('1');
    await expect.poll(() => page.textContent('[data-test=window-values]')).toContain('W 1500 / L -600 (Lung)');
    // the HU under the cursor: air outside the body, dense tissue in the middle
    const box = (await page.locator('[data-test=viewport]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 20);
    await expect.poll(async () => huReadout(await page.textContent('[data-test=hu-readout]'))).toBeLessThan(-900);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(async () => huReadout(await page.textContent('[data-test=hu-readout]'))).toBeGreaterThan(-200);
    await page.screenshot({ path: join(artifactsDir, 'viewer-lung.png') });
    expect(await viewportBrightness(s)).toBeGreaterThan(20); // anatomy, not a black canvas
  });

  it('scrolls slices with the wheel and the arrow keys', async () => {
    const { page } = s;
    const box = (await page.locator('[data-test=viewport]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 120);
    await expect.poll(() => page.textContent('[data-test=slice-index]')).toBe('Slice 17 / 30');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.textContent('[data-test=slice-index]')).toBe('Slice 19 / 30');
    await page.keyboard.press('PageUp');
    await expect.poll(() => page.textContent('[data-test=slice-index]')).toBe('Slice 9 / 30');
  });

  it('changes the window with a preset button and by dragging', async () => {
    const { page } = s;
    await page.click('[data-test=preset-soft-tissue]');
    await expect.poll(() => page.textContent('[data-test=window-values]')).toContain('W 400 / L 40 (Soft tissue)');
    const box = (await page.locator('[data-test=viewport]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 8 });
    await page.mouse.up();
    const text = (await page.textContent('[data-test=window-values]'))!;
    expect(text).not.toContain('Soft tissue');
    const [, width] = /W (\d+)/.exec(text)!;
    expect(Number(width)).not.toBe(400);
    await page.screenshot({ path: join(artifactsDir, 'viewer-dragged-window.png') });
    expect(s.pageErrors).toEqual([]);
  });
});

function huReadout(text: string | null): number {
  const m = /(-?\d+) HU/.exec(text ?? '');
  return m ? Number(m[1]) : Number.NaN;
}

/** Mean grey level of the viewport in a screenshot. */
async function viewportBrightness(s: E2eSession): Promise<number> {
  return s.page.evaluate(() => {
    const canvas = document.querySelector('[data-test=viewport] canvas') as HTMLCanvasElement | null;
    if (!canvas) return 0;
    const probe = document.createElement('canvas');
    probe.width = 64;
    probe.height = 64;
    const ctx = probe.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0, 64, 64);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += data[i]!;
    return sum / (64 * 64);
  });
}
