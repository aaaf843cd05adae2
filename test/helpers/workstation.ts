import { join } from 'node:path';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { repoRoot, tempDir } from './data';

/**
 * A workstation on a fresh catalogue in its own temporary folder (user models there too), one worker:
 * `close` shuts it and removes the folder.
 */
export function testWorkstation(): { ws: Workstation; db: string; close: () => Promise<void> } {
  const tmp = tempDir();
  const db = join(tmp.dir, 'catalogue.sqlite');
  const ws = createWorkstation({ catalogPath: db, appRoot: repoRoot, workers: 1, userModelsDir: join(tmp.dir, 'models') });
  return {
    ws,
    db,
    close: async () => {
      await ws.close();
      tmp.cleanup();
    },
  };
}
