import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../../src-main/cli/headless-chromium';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { startHost, type RunningHost } from '../../src-main/host/server';
import { repoRoot } from '../helpers/data';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** CI sets LW_REQUIRE_E2E=1: a missing browser then fails the run instead of skipping the end-to-end tests. */
export const e2eRequired = process.env.LW_REQUIRE_E2E === '1';
export const canRunE2e = existsSync(chromiumPath);
if (!canRunE2e && e2eRequired) throw new Error(`LW_REQUIRE_E2E=1 but no Chromium at ${chromiumPath} (apt-get install chromium)`);

export const artifactsDir = join(repoRoot, 'test', 'artifacts', 'e2e');

export interface E2eSession {
  ws: Workstation;
  host: RunningHost;
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

/** A fresh catalogue, the browser host over it, and headless Chromium on the page. */
export async function startSession(): Promise<E2eSession> {
  const rendererIndex = join(repoRoot, 'out', 'renderer', 'index.html');
  if (!existsSync(rendererIndex)) throw new Error('out/renderer is missing: run `npm run build` (npm test does) before the e2e tests');
  mkdirSync(artifactsDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'lw-e2e-'));
  const ws = createWorkstation({ catalogPath: join(dir, 'catalogue.sqlite'), appRoot: repoRoot, workers: 2 });
  const host = await startHost({ workstation: ws, appRoot: repoRoot });
  const context = await launchHeadlessChromium(join(dir, 'chromium-profile'), chromiumPath);

  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) pageErrors.push(`HTTP ${response.status()} ${response.url()}`);
  });
  return {
    ws,
    host,
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      await host.close();
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
