import type { BrowserContext } from 'playwright-core';

/** Debian's Chromium, headless and quiet (no network of its own, no sandbox in containers), for the benchmarks and the end-to-end tests. */
export const HEADLESS_CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh Chromium on its own profile folder, driven with playwright-core (a development dependency). */
export async function launchHeadlessChromium(profileDir: string, executablePath: string): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, { executablePath, headless: true, viewport: { width: 1440, height: 900 }, args: HEADLESS_CHROMIUM_ARGS });
}
