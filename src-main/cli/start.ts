import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultCataloguePath } from '../core/paths';
import { createWorkstation, importSamplesIfEmpty } from '../core/workstation';
import { startHost } from '../host/server';
import { appRoot, waitForSignal } from './commands';

/**
 * The Electron executable, if its binary was downloaded. Checked without `require('electron')`, which
 * would try (and, offline, fail) to download it.
 */
export function electronBinary(): string | null {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const relative = existsSync(join(dir, 'path.txt')) ? readFileSync(join(dir, 'path.txt'), 'utf8').trim() : 'electron';
    const base = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist');
    const exe = join(base, relative);
    return existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds main, preload and renderer unless the renderer build is newer than every source file. */
export function ensureBuilt(): void {
  const index = join(appRoot, 'out', 'renderer', 'index.html');
  const sources = ['src-renderer', 'src-main'].map((d) => newestMtime(join(appRoot, d)));
  if (existsSync(index) && existsSync(join(appRoot, 'out', 'main', 'index.js')) && statSync(index).mtimeMs >= Math.max(...sources)) return;
  process.stdout.write('Building the workstation (electron-vite build)…\n');
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: appRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('the build failed (see above)');
}

function whyNoDesktop(forceBrowser: boolean): string | null {
  if (forceBrowser) return 'browser mode requested';
  if (!electronBinary()) {
    return 'the Electron binary is not installed (npm could not download it here: offline, or the download was skipped)';
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display ($DISPLAY is not set)';
  return null;
}

/**
 * `npm start`: the desktop workstation when Electron can run here, otherwise the same workstation in the
 * browser. Either way it opens on the catalogue in the user's data folder and, when that is empty, imports
 * the bundled sample library.
 */
export async function runStart(options: { db?: string; port?: number; forceBrowser: boolean }): Promise<number> {
  const db = options.db ?? defaultCataloguePath();
  ensureBuilt();
  const reason = whyNoDesktop(options.forceBrowser);
  if (!reason) {
    const child = spawn(electronBinary()!, [appRoot], { stdio: 'inherit', env: { ...process.env, LESION_WS_DB: db } });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
  }
  process.stdout.write(`Starting in browser mode: ${reason}.\n`);
  const ws = createWorkstation({ catalogPath: db, appRoot });
  const samples = await importSamplesIfEmpty(ws, appRoot);
  if (samples.length) process.stdout.write(`The catalogue is empty: importing the sample library (${samples.join(', ')}).\n`);
  const host = await startHost({ workstation: ws, appRoot, port: options.port });
  process.stdout.write(`Catalogue: ${db}\nOpen Lesion Workstation at ${host.url}\n(Ctrl+C stops it.)\n`);
  await waitForSignal();
  await host.close();
  await ws.close();
  return 0;
}
