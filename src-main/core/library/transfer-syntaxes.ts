export interface TransferSyntax {
  uid: string;
  name: string;
  /** The pixel data is encapsulated (compressed fragments). */
  encapsulated: boolean;
  /** Decodes to exactly the original values. */
  lossless: boolean;
  /** daikon decodes it (and our checks confirm the decoded size). */
  decodable: boolean;
}

const table: TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', encapsulated: false, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', encapsulated: false, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', encapsulated: false, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', encapsulated: false, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encapsulated: true, lossless: false, decodable: true },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', encapsulated: true, lossless: false, decodable: true },
  // Retired processes: daikon passes their bytes through undecoded.
  { uid: '1.2.840.10008.1.2.4.53', name: 'JPEG Extended (Process 6 & 8, retired)', encapsulated: true, lossless: false, decodable: false },
  { uid: '1.2.840.10008.1.2.4.55', name: 'JPEG Full Progression (Process 10 & 12, retired)', encapsulated: true, lossless: false, decodable: false },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', encapsulated: true, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless SV1 (Process 14, selection value 1)', encapsulated: true, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encapsulated: true, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', encapsulated: true, lossless: false, decodable: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', encapsulated: true, lossless: true, decodable: true },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encapsulated: true, lossless: false, decodable: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encapsulated: true, lossless: true, decodable: true },
];

const byUid = new Map(table.map((t) => [t.uid, t]));

export function transferSyntax(uid: string | null): TransferSyntax | undefined {
  return uid ? byUid.get(uid) : undefined;
}

export const knownTransferSyntaxes: readonly TransferSyntax[] = table;
