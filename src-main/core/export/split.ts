import { createHash } from 'node:crypto';
import type { Split, SplitSpec } from '../../contract';

export const SPLITS: readonly Split[] = ['train', 'val', 'test'];
export const DEFAULT_SPLIT_FRACTIONS: Readonly<Record<Split, number>> = { train: 0.7, val: 0.15, test: 0.15 };

export interface SplitMember {
  id: number;
  patientKey: string;
  /** What the split is stratified by (the category's name, or a placeholder for none). */
  stratum: string;
}

export interface PatientSplit {
  splitOf: Map<number, Split>;
  fractions: Record<Split, number>;
  counts: Record<Split, { lesions: number; patients: number }>;
}

/** Fractions as given, normalised to sum to 1; negative, non-finite or all-zero fractions are refused. */
export function normaliseFractions(fractions: SplitSpec['fractions'] = DEFAULT_SPLIT_FRACTIONS): Record<Split, number> {
  const values = SPLITS.map((s) => fractions[s]);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError('split fractions must be finite and not negative');
  const sum = values.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new RangeError('split fractions must not all be 0');
  return { train: fractions.train / sum, val: fractions.val / sum, test: fractions.test / sum };
}

/** A patient's place in the order the split deals patients out: a hash of the seed and the patient's key. */
function rank(seed: number, patientKey: string): string {
  return createHash('sha256').update(`${seed}\0${patientKey}`).digest('hex');
}

/**
 * Splits lesions by patient: all lesions of a patient go to one split, never two. Patients are grouped by their
 * dominant stratum (their most frequent category); within a stratum they are lined up in the order of a hash of
 * the seed and their key, and the line is cut at the fractions of the stratum's lesions (a patient goes where the
 * middle of its lesions falls; the line starts at a point fixed by the seed, as in systematic sampling). So every split gets its share of every category, the same seed gives the same
 * split, and since a patient's place in the line does not depend on the others, adding patients moves only the
 * few near the cuts.
 */
export function patientLevelSplit(members: readonly SplitMember[], spec: SplitSpec): PatientSplit {
  const fractions = normaliseFractions(spec.fractions);
  const patients = new Map<string, { ids: number[]; strata: Map<string, number> }>();
  for (const m of members) {
    const p = patients.get(m.patientKey) ?? { ids: [], strata: new Map<string, number>() };
    p.ids.push(m.id);
    p.strata.set(m.stratum, (p.strata.get(m.stratum) ?? 0) + 1);
    patients.set(m.patientKey, p);
  }
  const byStratum = new Map<string, { key: string; ids: number[]; rank: string }[]>();
  for (const [key, p] of patients) {
    const [stratum] = [...p.strata].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    const list = byStratum.get(stratum) ?? [];
    list.push({ key, ids: p.ids, rank: rank(spec.seed, key) });
    byStratum.set(stratum, list);
  }

  const splitOf = new Map<number, Split>();
  const counts = Object.fromEntries(SPLITS.map((s) => [s, { lesions: 0, patients: 0 }])) as PatientSplit['counts'];
  for (const stratum of [...byStratum.keys()].sort()) {
    const list = byStratum.get(stratum)!.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.key < b.key ? -1 : 1));
    const total = list.reduce((n, p) => n + p.ids.length, 0);
    // the line starts at a point of the circle fixed by the seed (systematic sampling with a random start), so a
    // stratum of one or two patients is not always in train
    const start = parseInt(rank(spec.seed, `stratum\0${stratum}`).slice(0, 8), 16) / 2 ** 32;
    let before = 0;
    for (const patient of list) {
      const middle = ((before + patient.ids.length / 2) / total + start) % 1;
      before += patient.ids.length;
      let cut = 0;
      // the last split with a share, should rounding leave the middle of the last patient just past the last cut
      let chosen: Split = [...SPLITS].reverse().find((x) => fractions[x] > 0)!;
      for (const s of SPLITS) {
        cut += fractions[s];
        if (fractions[s] > 0 && middle < cut) {
          chosen = s;
          break;
        }
      }
      counts[chosen].lesions += patient.ids.length;
      counts[chosen].patients += 1;
      for (const id of patient.ids) splitOf.set(id, chosen);
    }
  }
  return { splitOf, fractions, counts };
}
