import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user's data folder for the workstation: $LESION_WS_HOME, else the platform's convention. */
export function userDataDir(): string {
  if (process.env.LESION_WS_HOME) return process.env.LESION_WS_HOME;
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'lesion-workstation');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'lesion-workstation');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'lesion-workstation');
}

export function defaultCataloguePath(): string {
  return join(userDataDir(), 'catalogue.sqlite');
}

/** Derived files of a catalogue (thumbnails, trained heads), beside it: `catalogue.sqlite` -> `catalogue.sqlite-cache/`. */
export function cacheDirFor(catalogPath: string): string | null {
  return catalogPath === ':memory:' ? null : `${catalogPath}-cache`;
}
