import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './data';

const CT_SMALL_SOP = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

/**
 * Writes `count` copies of pydicom's CT_small, each with its own SOP Instance UID (same length, so every
 * element length stays valid): a realistic many-file library for import, cancel and kill tests.
 */
export function writeCtSmallCopies(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const original = readFileSync(fixture('dicom', 'lossless', 'CT_small.dcm'));
  const needle = Buffer.from(CT_SMALL_SOP, 'latin1');
  const paths: string[] = [];
  for (let n = 0; n < count; n++) {
    const suffix = String(n).padStart(5, '0');
    const uid = Buffer.from(CT_SMALL_SOP.slice(0, -suffix.length) + suffix, 'latin1');
    const copy = Buffer.from(original);
    for (let at = copy.indexOf(needle); at >= 0; at = copy.indexOf(needle, at + 1)) uid.copy(copy, at);
    const path = join(dir, `ct-${suffix}`); // no extension, as many archives store them
    writeFileSync(path, copy);
    paths.push(path);
  }
  return paths;
}
