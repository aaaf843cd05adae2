/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Free text from DICOM or annotators, safe to open in a spreadsheet: a leading =, +, -, @, tab or carriage return
 * would make it a formula there (CSV injection), so such text gets a leading apostrophe. Numbers are never passed
 * through here.
 */
export function spreadsheetSafe(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvLine(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}
