import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleLibrary } from '../helpers/data';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

describe.skipIf(!canRunE2e)('drawing a RECIST measurement on the lung CT', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startSession();
    const job = await s.ws.api.library.startImport({ paths: [sampleLibrary] });
    await s.ws.jobs.wait(job.id);
  });
  afterAll(async () => {
    await s?.close();
  });

  async function openSeries(): Promise<{ cx: number; cy: number }> {
    const { page } = s;
    await page.locator('[data-test=series]').first().click();
    await page.locator('[data-test=slice-index]').waitFor();
    await page.waitForFunction(() => !document.querySelector('.viewer__message'));
    const box = (await page.locator('[data-test=viewport]').boundingBox())!;
    return { cx: box.x + box.width / 2, cy: box.y + box.height / 2 };
  }

  const lesionCount = () => s.page.textContent('[data-test=lesion-count]').then(Number);

  it('draws the long axis with the measure tool, asks the annotator once, saves at once', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    const { cx, cy } = await openSeries();
    expect(await lesionCount()).toBe(0);
    await page.click('[data-test=mode-measure]');
    await page.mouse.move(cx - 80, cy + 40);
    await page.mouse.down();
    await page.mouse.move(cx + 20, cy + 90, { steps: 12 });
    await page.mouse.up();
    await page.locator('[data-test=annotator-prompt]').waitFor();
    await page.fill('[data-test=annotator-name]', 'Dr Reviewer');
    await page.keyboard.press('Enter');
    await expect.poll(lesionCount).toBe(1);
    await page.locator('[data-test=lesion-box]').waitFor();
    await page.screenshot({ path: join(artifactsDir, 'recist-drawn.png') });

    const [lesion] = (await s.ws.api.lesions.list({ offset: 0, limit: 10 })).items;
    expect(lesion!.source).toBe('annotator');
    // the drag was 100 x 50 screen px; at the fitted zoom that is a plausible tens of mm on a 0.65 mm grid
    expect(lesion!.longAxisMm!).toBeGreaterThan(20);
    expect(lesion!.longAxisMm!).toBeLessThan(200);
    const axes = lesion!.recist;
    const dot = (axes.longAxis[1].x - axes.longAxis[0].x) * (axes.shortAxis![1].x - axes.shortAxis![0].x) + (axes.longAxis[1].y - axes.longAxis[0].y) * (axes.shortAxis![1].y - axes.shortAxis![0].y);
    expect(Math.abs(dot)).toBeLessThan(1e-6 * lesion!.longAxisPx ** 2); // the short axis is perpendicular
    const history = await s.ws.api.lesions.history(lesion!.id);
    expect(history.map((h) => [h.action, h.actor])).toEqual([['create', 'Dr Reviewer']]);
  });

  it('finds the measurement again after a reload', async () => {
    const { page } = s;
    await page.reload();
    await openSeries();
    await expect.poll(lesionCount).toBe(1);
    expect(await page.locator('[data-test=lesion-row]').textContent()).toContain('Drawn');
  });

  it('edits it by dragging a long-axis handle, recorded with before and after', async () => {
    const { page } = s;
    const { cx, cy } = await openSeries();
    await page.click('[data-test=mode-window]');
    const before = (await s.ws.api.lesions.list({ offset: 0, limit: 10 })).items[0]!;
    await page.mouse.move(cx + 20, cy + 90);
    await page.mouse.down();
    await page.mouse.move(cx + 60, cy + 110, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => (await s.ws.api.lesions.get(before.id)).version).toBe(before.version + 1);
    const after = await s.ws.api.lesions.get(before.id);
    expect(after.longAxisMm!).toBeGreaterThan(before.longAxisMm!);
    const history = await s.ws.api.lesions.history(before.id);
    expect(history.map((h) => h.action)).toEqual(['create', 'update']);
    expect(history[1]!.before).toMatchObject({ longAxisMm: before.longAxisMm });
    expect(history[1]!.after).toMatchObject({ longAxisMm: after.longAxisMm });
  });

  it('undo (after the reload too) takes back the edit, then the drawing; redo brings it back', async () => {
    const { page } = s;
    const lesionId = (await s.ws.api.lesions.list({ offset: 0, limit: 10 })).items[0]!.id;
    const longAxis = async () => (await s.ws.api.lesions.get(lesionId)).longAxisMm;
    const edited = await longAxis();
    await page.reload(); // the session's history survives a reload of the window
    await openSeries();
    await page.keyboard.press('Control+z'); // undoes the edit
    await expect.poll(longAxis).toBeLessThan(edited!);
    await page.keyboard.press('Control+z'); // undoes the drawing, which was made before the first reload
    await expect.poll(lesionCount).toBe(0);
    expect((await s.ws.api.lesions.list({ offset: 0, limit: 10 })).total).toBe(0);
    await page.reload();
    await openSeries();
    expect(await lesionCount()).toBe(0);
    await page.keyboard.press('Control+Shift+z'); // redo the drawing
    await expect.poll(lesionCount).toBe(1);
    await page.screenshot({ path: join(artifactsDir, 'recist-redone.png') });
    // every step is in the audit trail with its annotator
    const audit = await s.ws.api.lesions.history(lesionId);
    expect(audit.map((h) => h.action)).toEqual(['create', 'update', 'update', 'delete', 'restore']);
    expect(new Set(audit.map((h) => h.actor))).toEqual(new Set(['Dr Reviewer']));
    expect(s.pageErrors).toEqual([]);
  });
});
