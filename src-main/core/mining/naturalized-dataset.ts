/**
 * Defensive reads from a dcmjs naturalized dataset. Every value in a DICOM object is untrusted: a sequence may be
 * a single item instead of an array, a number may arrive as a string, and a multi-valued attribute with one value
 * arrives as a scalar. These helpers never throw; a value that is absent or of the wrong shape reads as empty.
 */
export type Dataset = Record<string, unknown>;

export interface CodedConcept {
  value: string;
  scheme: string;
  meaning: string;
}

function isDataset(value: unknown): value is Dataset {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** The items of a sequence attribute. */
export function sequenceItems(dataset: Dataset, keyword: string): Dataset[] {
  const value = dataset[keyword];
  if (Array.isArray(value)) return value.filter(isDataset);
  return isDataset(value) ? [value] : [];
}

/** The items of a sequence by position; an entry that is not a dataset is null, so later positions stay true. */
export function sequenceSlots(dataset: Dataset, keyword: string): (Dataset | null)[] {
  const value = dataset[keyword];
  if (Array.isArray(value)) return value.map((item) => (isDataset(item) ? item : null));
  return isDataset(value) ? [value] : [];
}

function values(dataset: Dataset, keyword: string): unknown[] {
  const value = dataset[keyword];
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** All values of a numeric attribute (DS, IS, FL, US, ...); null when any value is not a finite number. */
export function numberValues(dataset: Dataset, keyword: string): number[] | null {
  const result: number[] = [];
  for (const value of values(dataset, keyword)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) return null;
    result.push(n);
  }
  return result;
}

/** The single value of a numeric attribute; null when absent, not a number, or multi-valued. */
export function singleNumber(dataset: Dataset, keyword: string): number | null {
  const all = numberValues(dataset, keyword);
  return all && all.length === 1 ? (all[0] ?? null) : null;
}

/** The first value of a string attribute, trimmed; null when absent or empty. */
export function stringValue(dataset: Dataset, keyword: string): string | null {
  const first = values(dataset, keyword)[0];
  if (typeof first !== 'string') return null;
  const trimmed = first.trim();
  return trimmed === '' ? null : trimmed;
}

/** The first item of a code sequence (ConceptNameCodeSequence by default) as a coded concept. */
export function codedConcept(dataset: Dataset, keyword = 'ConceptNameCodeSequence'): CodedConcept | null {
  const item = sequenceItems(dataset, keyword)[0];
  if (!item) return null;
  const value = stringValue(item, 'CodeValue') ?? stringValue(item, 'LongCodeValue') ?? stringValue(item, 'URNCodeValue');
  const scheme = stringValue(item, 'CodingSchemeDesignator') ?? '';
  const meaning = stringValue(item, 'CodeMeaning') ?? '';
  if (value === null && meaning === '') return null;
  return { value: value ?? '', scheme, meaning };
}

/**
 * DICOM free text as plain text: control characters (including ESC sequences' ESC) become spaces, runs of white
 * space collapse, and the result is capped. It is never markup; whoever shows it must render it as text.
 */
export function plainText(text: string | null, maxLength = 256): string | null {
  if (text === null) return null;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned === '') return null;
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}
