import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './data';

/**
 * A `DL_info.csv` of at least `minRows` rows in `folder`: the bundled sample rows repeated under other patient
 * numbers (patient + 10,000 k, in the index and the file name). Returns the number of rows written.
 */
export function writeRepeatedSampleTable(folder: string, minRows: number): number {
  const text = readFileSync(fixture('deeplesion', 'DL_info_sample.csv'), 'utf8').trimEnd().split('\n');
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
