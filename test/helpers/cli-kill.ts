import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './data';

/**
 * Runs `lesion-ws <args>` and kills it with SIGKILL as soon as `countSql` (a `SELECT count(*) AS n …`) finds a
 * committed row in the catalogue `db`; resolves with that count once the process has exited. Rejects when the
 * command finished before it could be killed.
 */
export async function killOnceCommitted(args: string[], db: string, countSql: string, pollMs = 10): Promise<number> {
  const cli = join(repoRoot, 'src-main', 'cli', 'lesion-ws.cjs');
  const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const committed = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      try {
        const ro = new Database(db, { readonly: true, fileMustExist: true });
        const n = (ro.prepare(countSql).get() as { n: number }).n;
        ro.close();
        if (n > 0) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve(n);
        }
      } catch {
        // the catalogue or its table is not there yet
      }
    }, pollMs);
    child.once('exit', () => {
      clearInterval(poll);
      reject(new Error(`lesion-ws ${args[0]} finished before it could be killed`));
    });
  });
  await exited;
  return committed;
}
