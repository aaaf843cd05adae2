import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { isWorkstationExport } from './manifest';

/** The export target was refused before anything was written (a bad path, a folder that is not ours to replace). */
export class ExportTargetError extends Error {}

/** A write failed; the message says why in the user's terms (read-only folder, full disk). */
export class ExportWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The user cancelled the export. */
export class ExportCancelledError extends Error {
  constructor() {
    super('export cancelled');
  }
}

/** What a failed file-system call means for an export, in words: the codes users meet are named. */
export function describeFsError(err: unknown, action: string, path: string): ExportWriteError {
  const e = err as NodeJS.ErrnoException;
  const where = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? path : dirname(path);
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return new ExportWriteError(`cannot ${action} ${path}: permission denied (${where} is read-only for this user)`, e.code);
    case 'EROFS':
      return new ExportWriteError(`cannot ${action} ${path}: the file system holding it is read-only`, e.code);
    case 'ENOSPC':
      return new ExportWriteError(`cannot ${action} ${path}: the disk is full (no space left on the device holding ${where})`, e.code);
    case 'EDQUOT':
      return new ExportWriteError(`cannot ${action} ${path}: the disk quota is exceeded`, e.code);
    default:
      return new ExportWriteError(`cannot ${action} ${path}: ${e.message ?? String(err)}`, e.code);
  }
}

export interface ExportTarget {
  /** The folder the export ends up in. */
  out: string;
  /** `<out>.partial-<host>-<pid>-<random>`, a sibling on the same file system, renamed to `out` at the end. */
  temp: string;
  /** The earlier export at `out` that the commit replaces (overwrite), or null. */
  replaces: string | null;
  /** What an export killed on this machine had left beside `out`, cleared before this one began. */
  recovered: RecoveredLeftovers;
}

export interface RecoveredLeftovers {
  /** Temporary folders of killed exports, removed. */
  removed: string[];
  /** An earlier export a kill had left parked mid-replacement, moved back to `out`; null if none. */
  restored: string | null;
}

/**
 * Working folders are named `<out>.<partial|replaced>-<host>-<pid>-<random>`, so that a later export can tell
 * those of a process that no longer runs on this machine (killed, or the machine lost power) from those of an
 * export still being written, here or by another machine on a shared drive.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const WORK_NAME = /^(partial|replaced)-([0-9a-f]{8})-(\d+)-[0-9a-f]{12}$/;

function workFolder(target: string, kind: 'partial' | 'replaced'): string {
  return `${target}.${kind}-${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it runs, as someone else
  }
}

/**
 * Clears what an export killed on this machine left beside `out`: its temporary folder is removed (it never
 * looks finished, but it takes space), and an earlier export it had parked while replacing it goes back to
 * `out` if nothing took its place (else it is removed: the new export was complete).
 */
export function recoverLeftovers(out: string): RecoveredLeftovers {
  const recovered: RecoveredLeftovers = { removed: [], restored: null };
  const parent = dirname(out);
  if (!existsSync(parent)) return recovered;
  const prefix = `${basename(out)}.`;
  const stale = readdirSync(parent)
    .filter((n) => n.startsWith(prefix))
    .map((n) => ({ path: join(parent, n), match: WORK_NAME.exec(n.slice(prefix.length)) }))
    .filter((e) => e.match && e.match[2] === HOST_TAG && !isRunning(Number(e.match[3])));
  // parked exports first: one may have to go back to `out`
  stale.sort((a, b) => (a.match![1] === b.match![1] ? 0 : a.match![1] === 'replaced' ? -1 : 1));
  for (const { path, match } of stale) {
    try {
      if (match![1] === 'replaced' && !existsSync(out)) {
        renameSync(path, out);
        recovered.restored = out;
      } else {
        rmSync(path, { recursive: true, force: true });
        recovered.removed.push(path);
      }
    } catch (err) {
      throw describeFsError(err, 'clear what a killed export left in', path);
    }
  }
  return recovered;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks the target folder and creates the temporary sibling the export is written into. Refused: a relative
 * path, the root of a file system, a folder that holds the catalogue, a file or symbolic link, and a non-empty
 * folder (unless `overwrite` and it holds an earlier export of this workstation: nothing else is ever replaced).
 */
export function prepareExportTarget(out: string, options: { overwrite: boolean; protectedPaths: readonly string[] }): ExportTarget {
  if (!isAbsolute(out)) throw new ExportTargetError(`the export folder must be an absolute path, not "${out}"`);
  const target = resolve(out);
  if (parse(target).root === target) throw new ExportTargetError(`will not export into the root of a file system (${target})`);
  for (const p of options.protectedPaths) {
    if (isInside(target, resolve(p))) throw new ExportTargetError(`${target} holds the catalogue (${p}); choose another folder`);
  }
  const recovered = recoverLeftovers(target);
  let replaces: string | null = null;
  if (existsSync(target) || isSymlink(target)) {
    const info = lstatSync(target);
    if (info.isSymbolicLink()) throw new ExportTargetError(`${target} is a symbolic link; name the folder itself`);
    if (!info.isDirectory()) throw new ExportTargetError(`${target} exists and is not a folder`);
    const entries = readdirSync(target);
    if (entries.length) {
      if (!options.overwrite) {
        throw new ExportTargetError(`${target} exists and is not empty; choose a new folder, or overwrite an earlier export`);
      }
      if (!isWorkstationExport(target)) {
        throw new ExportTargetError(`${target} holds files that are not an export of this workstation (no manifest.json of ours): it is never replaced`);
      }
      replaces = target;
    }
  }
  const parent = dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw describeFsError(err, 'create the folder', parent);
  }
  const temp = workFolder(target, 'partial');
  try {
    mkdirSync(temp);
  } catch (err) {
    throw describeFsError(err, 'create the folder', temp);
  }
  return { out: target, temp, replaces, recovered };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Moves the finished temporary folder to its place; an earlier export there is replaced only once the new one is complete. */
export function commitExport(target: ExportTarget): void {
  let parked: string | null = null;
  try {
    if (target.replaces) {
      parked = workFolder(target.out, 'replaced');
      renameSync(target.out, parked);
    } else if (existsSync(target.out)) {
      rmdirSync(target.out); // empty (checked before), or another writer got there first and this fails
    }
    renameSync(target.temp, target.out);
  } catch (err) {
    if (parked && !existsSync(target.out)) renameSync(parked, target.out);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new ExportWriteError(`${target.out} was created by something else while the export was written; it was left alone`, code);
    }
    throw describeFsError(err, 'move the finished export to', target.out);
  }
  if (parked) rmSync(parked, { recursive: true, force: true });
}

/** Removes the temporary folder of a failed or cancelled export. */
export function discardExport(target: Pick<ExportTarget, 'temp'>): void {
  rmSync(target.temp, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** How bytes reach the disk; tests replace it to simulate a full disk. */
export type FileWriter = (path: string, data: Uint8Array) => void;

const defaultWriter: FileWriter = (path, data) => writeFileSync(path, data, { flag: 'wx' });

/**
 * The folder an export writes into. Every file is written once (never overwritten), hashed as it is written,
 * and named relative to the folder, so the manifest lists exactly what is there.
 */
export class ExportFolder {
  private readonly written = new Map<string, WrittenFile>();
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly writer: FileWriter = defaultWriter,
  ) {}

  has(relPath: string): boolean {
    return this.written.has(relPath);
  }

  write(relPath: string, data: Uint8Array | string): WrittenFile {
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(relPath) || relPath.split('/').some((p) => p === '..' || p === '.')) {
      throw new Error(`not a plain relative path: ${relPath}`);
    }
    if (this.written.has(relPath)) throw new Error(`${relPath} was already written`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const full = join(this.dir, ...relPath.split('/'));
    const parent = dirname(full);
    if (!this.madeDirs.has(parent)) {
      try {
        mkdirSync(parent, { recursive: true });
      } catch (err) {
        throw describeFsError(err, 'create the folder', parent);
      }
      this.madeDirs.add(parent);
    }
    try {
      this.writer(full, bytes);
    } catch (err) {
      throw describeFsError(err, 'write', full);
    }
    const file = { path: relPath, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    this.written.set(relPath, file);
    return file;
  }

  files(): WrittenFile[] {
    return [...this.written.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** Every file under a folder, relative paths with forward slashes, sorted. */
export function listFolder(dir: string, limit = 200_000): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= limit) return;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push({ path: child, bytes: statSync(join(dir, child)).size });
    }
  };
  walk('');
  return out;
}

/** `<out>.partial-*` siblings: what an export killed mid-way leaves (never mistaken for a finished one). */
export function partialSiblings(out: string): string[] {
  const parent = dirname(out);
  if (!existsSync(parent)) return [];
  const prefix = `${basename(out)}.partial-`;
  return readdirSync(parent)
    .filter((n) => n.startsWith(prefix))
    .map((n) => `${parent}${sep}${n}`);
}
