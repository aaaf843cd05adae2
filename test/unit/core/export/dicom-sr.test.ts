import { describe, expect, it } from 'vitest';
import { decimalString } from '../../../../src-main/core/export/dicom-sr-exporter';
import { ageInYears } from '../../../../src-main/core/export/deeplesion-exporter';

describe('DICOM value formatting', () => {
  it('writes decimal strings (DS) of at most 16 characters, as close to the value as that allows', () => {
    for (const n of [43.367490266744, 1 / 3, -1 / 3, 123456.78901234567, 1e-7, 12, 0.1 + 0.2, -98765.4321098765]) {
      const ds = decimalString(n);
      expect(ds.length, ds).toBeLessThanOrEqual(16);
      expect(Math.abs(Number(ds) - n)).toBeLessThanOrEqual(Math.abs(n) * 1e-12 + 1e-15);
    }
    expect(decimalString(12)).toBe('12');
  });

  it('reads DICOM ages in whole years', () => {
    expect(['054Y', '006M', '003W', '010D', '', null, 'abc'].map(ageInYears)).toEqual([54, 0, 0, 0, null, null, null]);
  });
});
