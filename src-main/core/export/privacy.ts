import { createHmac, randomBytes } from 'node:crypto';
import type { ExportPrivacy } from '../../contract';

/** DICOM PS3.16 CID 7050 codes of the de-identification that `pseudonymise` applies. */
export const BASIC_PROFILE = { value: '113100', scheme: 'DCM', meaning: 'Basic Application Confidentiality Profile' } as const;
export const RETAIN_PATIENT_CHARACTERISTICS = { value: '113108', scheme: 'DCM', meaning: 'Retain Patient Characteristics Option' } as const;

/** What the manifest records about de-identification (never the secret). */
export interface PrivacyRecord {
  mode: ExportPrivacy['mode'];
  /** Present when pseudonymised. */
  profile?: string;
  options?: string[];
  /** Whether the pseudonyms come from a secret the user gave (stable across exports) or a random one (not linkable). */
  pseudonymKey?: 'given' | 'random';
  replaced?: string[];
  removed?: string[];
  kept?: string[];
}

/**
 * Replaces identifiers consistently within an export. Pseudonyms are HMAC-SHA256 of the original under a
 * secret, so the same patient or UID maps to the same pseudonym everywhere in the export (and in every export
 * made with the same secret), and nothing in the output lets anyone go back without the secret.
 */
export class Pseudonymiser {
  readonly active: boolean;
  private readonly key: Buffer;
  private readonly keyGiven: boolean;

  constructor(privacy: ExportPrivacy | undefined) {
    this.active = privacy?.mode === 'pseudonymise';
    this.keyGiven = Boolean(privacy?.secret);
    this.key = privacy?.secret ? Buffer.from(privacy.secret, 'utf8') : randomBytes(32);
  }

  private digest(kind: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${kind}\0${value}`).digest();
  }

  /** A patient's id in the export: its own, or `P` + 12 hex digits of its keyed hash. */
  patientId(patientKey: string, original: string): string {
    return this.active ? `P${this.digest('patient', patientKey).toString('hex').slice(0, 12).toUpperCase()}` : original;
  }

  /** A number in [0, 1) fixed by the patient and the secret: orders patients without revealing their ids. */
  patientRank(patientKey: string): number {
    return this.digest('rank', patientKey).readUInt32BE(0) / 2 ** 32;
  }

  /**
   * A DICOM UID: its own, or `2.25.` followed by 128 bits of its keyed hash as a decimal integer (the UUID-derived
   * root of PS3.5 B.2, at most 44 characters).
   */
  uid(uid: string): string {
    if (!this.active) return uid;
    const bits = this.digest('uid', uid).subarray(0, 16);
    return `2.25.${BigInt(`0x${bits.toString('hex')}`).toString()}`;
  }

  /** A person's name in DICOM (an SR observer): kept, or a stable pseudonym (the Basic Profile replaces Person Name). */
  personName(name: string): string {
    return this.active ? `Observer^${this.digest('person', name).toString('hex').slice(0, 8).toUpperCase()}` : name;
  }

  /** A date or time that identifies (study, birth, content): kept, or removed (null). */
  date(value: string | null): string | null {
    return this.active ? null : value;
  }

  /** Text that may identify the patient (names, accession numbers, source file paths): kept or removed. */
  identifyingText(value: string | null): string | null {
    return this.active ? null : value;
  }

  record(): PrivacyRecord {
    if (!this.active) return { mode: 'none' };
    return {
      mode: 'pseudonymise',
      profile: `DICOM PS3.15 ${BASIC_PROFILE.meaning} (${BASIC_PROFILE.scheme} ${BASIC_PROFILE.value})`,
      options: [`${RETAIN_PATIENT_CHARACTERISTICS.meaning} (${RETAIN_PATIENT_CHARACTERISTICS.scheme} ${RETAIN_PATIENT_CHARACTERISTICS.value})`],
      pseudonymKey: this.keyGiven ? 'given' : 'random',
      replaced: ['patient ids (HMAC-SHA256 pseudonyms)', 'DICOM UIDs (HMAC-SHA256, 2.25 root)', 'DeepLesion patient, study and series indices (renumbered)', 'SR observer names'],
      removed: ['patient names', 'birth dates', 'study, content and review dates', 'accession numbers and study ids', 'source file names and references', 'free-text labels'],
      kept: ['patient sex and age', 'measurements, boxes and pixel values', 'categories and review status'],
    };
  }
}
