import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A `DL_info.csv` of at least `minRows` rows in `folder`: the rows of a DeepLesion table repeated under other
 * patient numbers (patient + 10,000 k, in the index and the file name), so that a real table's lesions, their
 * geometry and types, stand in for a larger archive. Returns the number of rows written.
 */
export function writeRepeatedTable(source: string, folder: string, minRows: number): number {
  const text = readFileSync(source, 'utf8').trimEnd().split('\n');
  const lines = [text[0]!];
  for (let k = 1; lines.length <= minRows; k++) {
    for (const line of text.slice(1)) {
      const fields = line.split(',');
      const patient = Number(fields[1]) + 10_000 * k;
      fields[1] = String(patient);
      fields[0] = `${String(patient).padStart(6, '0')}${fields[0]!.slice(6)}`;
      lines.push(fields.join(','));
    }
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'DL_info.csv'), `${lines.join('\n')}\n`);
  return lines.length - 1;
}
