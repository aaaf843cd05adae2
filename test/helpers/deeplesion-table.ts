import { writeRepeatedTable } from '../../src-main/cli/bench/repeated-table';
import { fixture } from './data';

/**
 * A `DL_info.csv` of at least `minRows` rows in `folder`: the bundled sample rows repeated under other patient
 * numbers (patient + 10,000 k, in the index and the file name). Returns the number of rows written.
 */
export function writeRepeatedSampleTable(folder: string, minRows: number): number {
  return writeRepeatedTable(fixture('deeplesion', 'DL_info_sample.csv'), folder, minRows);
}
