import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, spreadsheetSafe } from '../../../../src-main/core/export/csv-text';

describe('CSV text', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180), and reads back with csv-parse', () => {
    const fields = ['plain', 'a, b', 'say "hi"', 'two\nlines', '', null, 3.25, true];
    expect(csvLine(fields)).toBe('plain,"a, b","say ""hi""","two\nlines",,,3.25,true\n');
    expect(parse(csvLine(fields))).toEqual([['plain', 'a, b', 'say "hi"', 'two\nlines', '', '', '3.25', 'true']]);
    expect(csvField(undefined)).toBe('');
  });

  it('defuses text a spreadsheet would run as a formula, and leaves other text alone', () => {
    expect(['=1+1', '+A1', '-2+3', '@SUM(A1)', '\tx', 'lung', 'Dr =Ann', null].map(spreadsheetSafe)).toEqual(["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", 'lung', 'Dr =Ann', null]);
  });
});
