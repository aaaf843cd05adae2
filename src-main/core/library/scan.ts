import { opendir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { isDeepLesionTable, parseDeepLesionPngPath } from './deeplesion';

export interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export type FileKind = 'dicom' | 'deeplesion-table' | 'deeplesion-slice';

export interface ScanResult {
  /** Files to import, by what they look like (DICOM is recognised by content, later). */
  files: (FoundFile & { kind: FileKind })[];
  /** Paths that could not be read (permissions, vanished) with the reason. */
  unreadable: { path: string; reason: string }[];
  /** Files passed over as obviously not DICOM (by extension) or as a DICOMDIR index. */
  skipped: number;
}

/** Extensions that are never DICOM: documents and images that sit beside DICOM folders in real archives. */
const NOT_DICOM = new Set([
  '.txt', '.csv', '.tsv', '.xml', '.json', '.md', '.html', '.htm', '.pdf', '.png', '.jpg', '.jpeg', '.gif', '.bmp',
  '.tif', '.tiff', '.zip', '.gz', '.tar', '.7z', '.py', '.js', '.ts', '.sh', '.bat', '.exe', '.doc', '.docx', '.xls',
  '.xlsx', '.ini', '.log', '.nii', '.mha', '.mhd', '.nrrd', '.sqlite', '.db',
]);

/** What a file is to the importer, from its name and place; null for files it passes over. */
export function classifyFile(path: string): FileKind | null {
  const name = basename(path);
  if (name.startsWith('.')) return null; // .DS_Store, ._resource forks
  if (name.toUpperCase() === 'DICOMDIR') return null; // an index of the files we walk anyway
  if (isDeepLesionTable(path)) return 'deeplesion-table';
  if (parseDeepLesionPngPath(path)) return 'deeplesion-slice';
  return NOT_DICOM.has(extname(name).toLowerCase()) ? null : 'dicom';
}

/**
 * Walks files and folders recursively (names with spaces, no extensions, symlinks followed once), in a
 * stable order. Never throws for an unreadable entry: it is listed with its reason. A file named
 * explicitly is always tried, whatever its extension.
 */
export async function scanPaths(paths: readonly string[], signal?: AbortSignal): Promise<ScanResult> {
  const result: ScanResult = { files: [], unreadable: [], skipped: 0 };
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const visit = async (path: string, explicit: boolean): Promise<void> => {
    if (signal?.aborted) return;
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      result.unreadable.push({ path, reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    if (info.isDirectory()) {
      let real: string;
      try {
        real = await realpath(path);
      } catch {
        real = path;
      }
      if (seenDirs.has(real)) return; // symlink loop or the same folder given twice
      seenDirs.add(real);
      let names: string[] = [];
      try {
        const dir = await opendir(path);
        for await (const entry of dir) names.push(entry.name);
      } catch (err) {
        result.unreadable.push({ path, reason: `cannot list folder (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        return;
      }
      names = names.sort();
      for (const name of names) await visit(join(path, name), false);
      return;
    }
    if (!info.isFile()) return;
    const kind = classifyFile(path) ?? (explicit ? 'dicom' : null);
    if (!kind) {
      result.skipped++;
      return;
    }
    if (seenFiles.has(path)) return;
    seenFiles.add(path);
    result.files.push({ path, size: info.size, mtimeMs: info.mtimeMs, kind });
  };

  for (const p of paths) await visit(resolve(p), true);
  return result;
}
