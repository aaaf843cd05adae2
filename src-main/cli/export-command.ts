import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExportFormatName, ExportRequest, ExportSelection, ExportSummary, LesionSource, Split } from '../contract';
import { readExportManifest } from '../core/export/manifest';
import { openWorkstation } from './commands';

const FORMATS: ExportFormatName[] = ['deeplesion', 'coco', 'csv', 'dicom-sr'];
const SOURCES: LesionSource[] = ['deeplesion', 'dicom-sr', 'presentation-state', 'annotator', 'detection'];
const SPLITS = ['train', 'val', 'test', 'none'] as const;

/** The pseudonym secret comes from the environment, never the command line (where other users can read it). */
export const PSEUDONYM_KEY_ENV = 'LESION_WS_PSEUDONYM_KEY';

export interface ExportCommandOptions {
  db: string;
  format?: string;
  out?: string;
  category?: string;
  reviewedOnly: boolean;
  source?: string;
  split?: string;
  splitSeed?: string;
  splitFractions?: string;
  pseudonymise: boolean;
  overwrite: boolean;
  json: boolean;
}

const list = (text: string | undefined) => (text ?? '').split(',').map((v) => v.trim()).filter(Boolean);

/** Turns the options into a request, or says what is wrong with them (exit code 2). */
export function exportRequestFrom(o: ExportCommandOptions): ExportRequest | string {
  if (!o.format || !FORMATS.includes(o.format as ExportFormatName)) return `export needs --format ${FORMATS.join('|')}`;
  if (!o.out) return 'export needs --out <dir>';
  const selection: ExportSelection = {};
  if (o.category) selection.categoryNames = list(o.category);
  if (o.reviewedOnly) selection.review = 'reviewed';
  if (o.source) {
    const sources = list(o.source);
    const unknown = sources.filter((s) => !SOURCES.includes(s as LesionSource));
    if (unknown.length) return `unknown sources: ${unknown.join(', ')} (known: ${SOURCES.join(', ')})`;
    selection.sources = sources as LesionSource[];
  }
  if (o.split) {
    const splits = list(o.split);
    const unknown = splits.filter((s) => !(SPLITS as readonly string[]).includes(s));
    if (unknown.length) return `--split takes ${SPLITS.join(', ')}`;
    selection.splits = splits as (Split | 'none')[];
  }
  const request: ExportRequest = { format: o.format as ExportFormatName, out: resolve(o.out), selection, overwrite: o.overwrite, actor: 'lesion-ws export' };
  if (o.splitSeed !== undefined) {
    const seed = Number(o.splitSeed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) return '--split-seed must be a whole number from 0 to 2147483647';
    request.split = { seed };
    if (o.splitFractions) {
      const f = list(o.splitFractions).map(Number);
      if (f.length !== 3 || f.some((v) => !Number.isFinite(v) || v < 0) || f[0]! + f[1]! + f[2]! <= 0) return '--split-fractions takes three numbers, train,val,test (e.g. 0.7,0.15,0.15)';
      request.split.fractions = { train: f[0]!, val: f[1]!, test: f[2]! };
    }
  } else if (o.splitFractions) {
    return '--split-fractions needs --split-seed';
  }
  if (o.pseudonymise) request.privacy = { mode: 'pseudonymise', secret: process.env[PSEUDONYM_KEY_ENV] || undefined };
  return request;
}

/** `lesion-ws export`: writes the selected lesions in a format, with manifest.json; Ctrl+C cancels and leaves nothing. */
export async function runExport(options: ExportCommandOptions): Promise<number> {
  const request = exportRequestFrom(options);
  if (typeof request === 'string') {
    process.stderr.write(`${request}\n`);
    return 2;
  }
  if (!existsSync(options.db)) {
    process.stderr.write(`no catalogue at ${options.db}\n`);
    return 1;
  }
  const ws = openWorkstation(options.db, 1);
  const stop = () => ws.jobs.list().forEach((j) => ws.jobs.cancel(j.id));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let last = 0;
  const off = ws.events.on((name, payload) => {
    if (options.json || name !== 'job.updated' || !process.stderr.isTTY || Date.now() - last < 250) return;
    last = Date.now();
    process.stderr.write(`\r${(payload as { progress: { message: string } }).progress.message}`.padEnd(90));
  });
  try {
    let started;
    try {
      started = await ws.api.export.start(request);
    } catch (err) {
      process.stderr.write(`export refused: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    const job = await ws.jobs.wait(started.id);
    if (process.stderr.isTTY && !options.json) process.stderr.write('\n');
    if (job.state === 'cancelled') {
      process.stderr.write('export cancelled: nothing was left at the target\n');
      return 130;
    }
    if (job.state !== 'done' || !job.result) {
      process.stderr.write(`export failed: ${job.error ?? job.state}\n`);
      return 1;
    }
    const r = job.result as ExportSummary;
    const summary = { format: r.format, lesions: r.lesions, files: r.files, out: r.out };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(`${r.lesions} lesions exported as ${r.format}: ${r.files} files in ${r.out}\n`);
      for (const s of readExportManifest(r.out)?.skipped ?? []) process.stdout.write(`  ${s.lesionIds.length} left out: ${s.reason}\n`);
    }
    return 0;
  } finally {
    off();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ws.close();
  }
}
