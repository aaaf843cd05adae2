import { describe, expect, it } from 'vitest';
import { Pseudonymiser } from '../../../../src-main/core/export/privacy';

describe('Pseudonymiser', () => {
  it('passes everything through when the export is not pseudonymised', () => {
    const p = new Pseudonymiser({ mode: 'none' });
    expect([p.patientId('id:A', 'A'), p.uid('1.2.3'), p.date('2007-04-25'), p.identifyingText('acc 1'), p.personName('Dr Ann')]).toEqual(['A', '1.2.3', '2007-04-25', 'acc 1', 'Dr Ann']);
    expect(p.record()).toEqual({ mode: 'none' });
  });

  it('gives the same pseudonyms under the same secret, other ones under another or a random secret', () => {
    const a = new Pseudonymiser({ mode: 'pseudonymise', secret: 'k1' });
    const b = new Pseudonymiser({ mode: 'pseudonymise', secret: 'k1' });
    const c = new Pseudonymiser({ mode: 'pseudonymise', secret: 'k2' });
    const r = new Pseudonymiser({ mode: 'pseudonymise' });
    expect(a.patientId('id:A', 'A')).toBe(b.patientId('id:A', 'A'));
    expect(a.patientId('id:A', 'A')).toMatch(/^P[0-9A-F]{12}$/);
    expect(a.patientId('id:A', 'A')).not.toBe(a.patientId('id:B', 'B'));
    expect(c.patientId('id:A', 'A')).not.toBe(a.patientId('id:A', 'A'));
    expect(r.uid('1.2.3')).not.toBe(a.uid('1.2.3'));
    expect(a.uid('1.2.3')).toBe(b.uid('1.2.3'));
    expect(a.record()).toMatchObject({ mode: 'pseudonymise', pseudonymKey: 'given' });
    expect(r.record()).toMatchObject({ pseudonymKey: 'random' });
    expect(JSON.stringify(a.record())).not.toContain('k1');
  });

  it('makes valid DICOM UIDs (2.25 root, digits, at most 64 characters) and removes dates and text', () => {
    const p = new Pseudonymiser({ mode: 'pseudonymise', secret: 'x' });
    for (const uid of ['1.2.840.113619.2.55.3.604688119.969.1268071029.320', 'deeplesion:000001_01_01/12']) {
      const replaced = p.uid(uid);
      expect(replaced).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(replaced.length).toBeLessThanOrEqual(64);
      expect(BigInt(replaced.slice(5)) < 2n ** 128n).toBe(true);
    }
    expect([p.date('2007-04-25'), p.identifyingText('/data/Doe John/ct.dcm')]).toEqual([null, null]);
    expect(p.personName('Dr Ann')).toMatch(/^Observer\^[0-9A-F]{8}$/);
  });
});
