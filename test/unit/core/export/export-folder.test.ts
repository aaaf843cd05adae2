import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalogue } from '../../../../src-main/core/catalogue/catalogue';
import {
  commitExport,
  describeFsError,
  discardExport,
  ExportCancelledError,
  ExportFolder,
  prepareExportTarget,
  type FileWriter,
} from '../../../../src-main/core/export/export-folder';
import { readExportManifest } from '../../../../src-main/core/export/manifest';
import { writeExport } from '../../../../src-main/core/export/run-export';
import { tempDir } from '../../../helpers/data';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function temp() {
  const t = tempDir('lw-export-unit-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A catalogue with `n` measured lesions (no images: the CSV format needs none). */
function catalogueWithLesions(dir: string, n: number) {
  const catalogue = openCatalogue(join(dir, 'c.sqlite'));
  cleanups.push(() => catalogue.close());
  catalogue.transaction(() =>
    catalogue.lesions.insertMany(
      Array.from({ length: n }, (_, i) => ({
        seriesId: null,
        instanceId: null,
        frame: 0,
        keySliceRef: `1.2.3.${i}`,
        recist: { longAxis: [{ x: 10, y: 10 }, { x: 30 + i, y: 10 }], shortAxis: null },
        spacing: [0.7, 0.7] as [number, number],
        source: 'annotator' as const,
        sourceRef: `ref-${i}`,
        referenceType: null,
        split: null,
        noisy: false,
        attributes: {},
      })),
    ),
  );
  return catalogue;
}

const options = (aborted = () => false) => ({
  signal: {
    get aborted() {
      return aborted();
    },
  },
  progress: () => undefined,
  generatorVersion: 'test',
});

describe('prepareExportTarget', () => {
  it('creates the temporary sibling (and the parent folders), never the target itself', () => {
    const dir = temp();
    const target = prepareExportTarget(join(dir, 'a', 'b', 'out'), { overwrite: false, protectedPaths: [] });
    // host tag, pid, random: a later export can tell a killed export's folder from a running one's
    expect(target.temp).toMatch(new RegExp(`/a/b/out\\.partial-[0-9a-f]{8}-${process.pid}-[0-9a-f]{12}$`));
    expect(existsSync(target.temp)).toBe(true);
    expect(existsSync(target.out)).toBe(false);
  });

  it('refuses relative paths, the file-system root, symbolic links and folders holding protected files', () => {
    const dir = temp();
    expect(() => prepareExportTarget('out', { overwrite: false, protectedPaths: [] })).toThrow(/absolute path/);
    expect(() => prepareExportTarget('/', { overwrite: true, protectedPaths: [] })).toThrow(/root of a file system/);
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(() => prepareExportTarget(join(dir, 'link'), { overwrite: false, protectedPaths: [] })).toThrow(/symbolic link/);
    expect(() => prepareExportTarget(dir, { overwrite: true, protectedPaths: [join(dir, 'x', 'c.sqlite')] })).toThrow(/holds the catalogue/);
    expect(readdirSync(dir).sort()).toEqual(['link', 'real']);
  });
});

describe('describeFsError', () => {
  it('names a full disk, a read-only folder and a read-only file system', () => {
    const err = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
    expect(describeFsError(err('ENOSPC'), 'write', '/x/out.partial-1/a.png').message).toBe(
      'cannot write /x/out.partial-1/a.png: the disk is full (no space left on the device holding /x/out.partial-1/a.png)',
    );
    expect(describeFsError(err('EACCES'), 'create the folder', '/x/ro/out').message).toBe('cannot create the folder /x/ro/out: permission denied (/x/ro is read-only for this user)');
    expect(describeFsError(err('EROFS'), 'write', '/mnt/cd/a').message).toMatch(/the file system holding it is read-only/);
  });
});

describe('an export that fails or is cancelled', () => {
  it('on a full disk: a clear error, the temporary folder removed, nothing at the target', async () => {
    const dir = temp();
    const catalogue = catalogueWithLesions(dir, 5);
    const target = prepareExportTarget(join(dir, 'out'), { overwrite: false, protectedPaths: [] });
    let writes = 0;
    const fullDisk: FileWriter = (path, data) => {
      if (++writes === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      writeFileSync(path, data);
    };
    // lesions.csv is written, then the manifest hits the full disk
    await expect(writeExport(catalogue, { format: 'csv', out: target.out }, new ExportFolder(target.temp, fullDisk), options())).rejects.toThrow(
      /cannot write .*out\.partial-[0-9a-f]+-\d+-[0-9a-f]+\/manifest\.json: the disk is full/,
    );
    discardExport(target);
    expect(readdirSync(dir).filter((n) => n.startsWith('out'))).toEqual([]);
  });

  it('when cancelled: stops between files; committing only ever moves a complete folder with its manifest', async () => {
    const dir = temp();
    const catalogue = catalogueWithLesions(dir, 3);
    const target = prepareExportTarget(join(dir, 'out'), { overwrite: false, protectedPaths: [] });
    await expect(writeExport(catalogue, { format: 'csv', out: target.out }, new ExportFolder(target.temp), options(() => true))).rejects.toBeInstanceOf(ExportCancelledError);
    discardExport(target);
    expect(readdirSync(dir).filter((n) => n.startsWith('out'))).toEqual([]);

    const next = prepareExportTarget(join(dir, 'out'), { overwrite: false, protectedPaths: [] });
    const result = await writeExport(catalogue, { format: 'csv', out: next.out }, new ExportFolder(next.temp), options());
    expect(result).toMatchObject({ lesions: 3, files: 2 });
    commitExport(next);
    expect(readdirSync(dir).filter((n) => n.startsWith('out'))).toEqual(['out']);
    expect(readExportManifest(next.out)!.files.map((f) => f.path)).toEqual(['lesions.csv']);
  });
});

describe('ExportFolder', () => {
  it('writes each relative path once, hashes it, and refuses paths that leave the folder', () => {
    const dir = temp();
    const folder = new ExportFolder(dir);
    const file = folder.write('a/b.txt', 'abc');
    expect(file).toEqual({ path: 'a/b.txt', bytes: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    expect(() => folder.write('a/b.txt', 'again')).toThrow(/already written/);
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'a//b', 'a\\b']) expect(() => folder.write(bad, 'x')).toThrow(/not a plain relative path/);
  });
});
