import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/data';

/**
 * The README's first line, `npm start`, on a fresh catalogue: browser mode (no Electron binary here) imports the
 * bundled samples, the chest CT and the DeepLesion validation table with its key slices, so that mining, review
 * and export have lesions to work on from the first start.
 */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('quick start', () => {
  it('starts in browser mode on 127.0.0.1 and imports the bundled samples into an empty catalogue', async () => {
    const tmp = tempDir('lw-start-');
    cleanups.push(tmp.cleanup);
    const db = join(tmp.dir, 'catalogue.sqlite');
    const child = spawn(process.execPath, [join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs'), 'start', '--browser', '--db', db], {
      env: { ...process.env, HOME: tmp.dir, LESION_WS_HOME: tmp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await expect.poll(() => output, { timeout: 60_000, interval: 100 }).toMatch(/Open Lesion Workstation at http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+/);
    expect(output).toMatch(/importing the sample library \(.*sample-library, .*sample-deeplesion\)/);
    const counts = () => {
      const check = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return check.prepare('SELECT (SELECT count(*) FROM lesions) AS lesions, (SELECT count(*) FROM instances) AS instances').get() as { lesions: number; instances: number };
      } finally {
        check.close();
      }
    };
    // the chest CT's 30 slices, the 23 DeepLesion key slices, the table's 4,889 lesions
    await expect.poll(counts, { timeout: 60_000, interval: 250 }).toEqual({ lesions: 4889, instances: 53 });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 150_000);
});
