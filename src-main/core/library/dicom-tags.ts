import type { Image, Tag } from 'daikon';

/** Typed reads of daikon tags. DICOM text is untrusted: these return plain strings, never markup. */

type TagSource = Image | Tag[];

function find(source: TagSource, group: number, element: number): Tag | undefined {
  if (Array.isArray(source)) return source.find((t) => t.group === group && t.element === element);
  return source.getTag(group, element);
}

function values(tag: Tag | undefined): unknown[] {
  if (!tag || tag.value === null || tag.value === undefined) return [];
  return Array.isArray(tag.value) ? tag.value : [tag.value];
}

// NULs, escapes and other C0 controls that malformed files carry (tab, LF and CR are kept)
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function tagString(source: TagSource, group: number, element: number): string | null {
  const parts = values(find(source, group, element))
    .map((v) => (v instanceof Date ? dicomDateFromJs(v) : typeof v === 'string' || typeof v === 'number' ? String(v) : null))
    .filter((v): v is string => v !== null);
  if (!parts.length) return null;
  const text = parts.join('\\').replace(controlChars, '').trim();
  return text.length ? text : null;
}

export function tagNumbers(source: TagSource, group: number, element: number): number[] {
  return values(find(source, group, element))
    .map((v) => (typeof v === 'number' ? v : typeof v === 'string' ? Number.parseFloat(v) : Number.NaN))
    .filter((v) => Number.isFinite(v));
}

export function tagNumber(source: TagSource, group: number, element: number): number | null {
  return tagNumbers(source, group, element)[0] ?? null;
}

export function tagStrings(source: TagSource, group: number, element: number): string[] {
  return values(find(source, group, element))
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.replace(controlChars, '').trim());
}

/** The items of a sequence; each item is the list of its data elements. */
export function sequenceItems(source: TagSource, group: number, element: number): Tag[][] {
  const tag = find(source, group, element);
  if (!tag || !Array.isArray(tag.value)) return [];
  return (tag.value as Tag[]).map((item) => (Array.isArray(item.value) ? (item.value as Tag[]) : []));
}

/** First item of a sequence nested in a functional group item, e.g. PlanePositionSequence. */
export function firstNestedItem(item: Tag[] | undefined, group: number, element: number): Tag[] | undefined {
  return item ? sequenceItems(item, group, element)[0] : undefined;
}

function dicomDateFromJs(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().slice(0, 10);
}

/** DICOM DA (YYYYMMDD) or a daikon Date to ISO YYYY-MM-DD; null when absent or malformed. */
export function tagDate(source: TagSource, group: number, element: number): string | null {
  const tag = find(source, group, element);
  const first = values(tag)[0];
  if (first instanceof Date) return dicomDateFromJs(first);
  if (typeof first === 'string') {
    const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(first.trim());
    return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  }
  return null;
}
