import { closeSync, openSync, readSync } from 'node:fs';
import { readDicomHeader, type HeaderResult } from './dicom-header';

export interface HeaderTask {
  path: string;
  size: number;
}

export type HeaderTaskResult = HeaderResult;

/** Files up to this size are read whole; beyond it only the head (pixel data is checked against the size). */
const WHOLE_FILE_LIMIT = 64 * 1024 * 1024;
const HEAD_BYTES = 8 * 1024 * 1024;
const DEFLATED = '1.2.840.10008.1.2.1.99';

function readBytes(path: string, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    let offset = 0;
    while (offset < length) {
      const n = readSync(fd, bytes, offset, length - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return offset === length ? bytes : bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

/** Reads what the header parser needs of one file; errors become a rejection reason, never an exception. */
export function readHeaderFile(task: HeaderTask): HeaderTaskResult {
  try {
    const head = readBytes(task.path, Math.min(task.size, task.size <= WHOLE_FILE_LIMIT ? task.size : HEAD_BYTES));
    const result = readDicomHeader(head, task.size);
    if (result.ok && head.byteLength < task.size && result.header.instance.transferSyntaxUid === DEFLATED) {
      return readDicomHeader(readBytes(task.path, task.size), task.size);
    }
    return result;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code ? `cannot read file (${code})` : `header parser failed: ${(err as Error).message}` };
  }
}
