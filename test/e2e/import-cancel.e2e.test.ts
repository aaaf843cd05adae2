import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/data';
import { writeCtSmallCopies } from '../helpers/synthetic-dicom';
import { artifactsDir, canRunE2e, startSession, type E2eSession } from './harness';

describe.skipIf(!canRunE2e)('import dialog: cancel a running import, then finish it', () => {
  let s: E2eSession;
  let library: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    library = tempDir('lw-e2e-library-');
    writeCtSmallCopies(join(library.dir, 'archive'), 2000);
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
    library?.cleanup();
  });

  it('opens with Ctrl+I, cancels from the dialog and keeps what was imported', async () => {
    const { page } = s;
    await page.goto(s.host.url);
    await page.getByText('The catalogue is empty.').waitFor();
    await page.keyboard.press('Control+i');
    await page.fill('[data-test=import-paths]', join(library.dir, 'archive'));
    await page.click('[data-test=import-start]');
    const cancel = page.locator('[data-test=import-cancel]');
    await cancel.waitFor();
    await page.waitForFunction(() => {
      const bar = document.querySelector('[data-test=import-progress] progress') as HTMLProgressElement | null;
      return !!bar && bar.value > 100;
    });
    await page.screenshot({ path: join(artifactsDir, 'import-running.png') });
    await cancel.click();
    const summary = page.locator('[data-test=import-summary]');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/^Cancelled:/);
    const stats = await s.ws.api.catalogue.stats();
    expect(stats.instances).toBeGreaterThan(0);
    expect(stats.instances).toBeLessThan(2000);

    // the same folder again: everything committed is skipped, the rest imported
    await page.click('[data-test=import-start]');
    await expect.poll(async () => (await summary.textContent()) ?? '', { timeout: 60_000 }).toMatch(/^Done:/);
    expect(await summary.textContent()).toContain(`${stats.instances} unchanged`);
    expect((await s.ws.api.catalogue.stats()).instances).toBe(2000);
    expect(s.pageErrors).toEqual([]);
  });
});
