/** A matrix in the clustering fixtures (test/fixtures/clustering, written by make-references.py). */
export interface FixtureMatrix {
  shape: [number, number];
  float32Base64: string;
}

/** A fixture matrix as the row-major float32 data the clustering works on. */
export function fixtureMatrix(m: FixtureMatrix): { data: Float32Array; n: number; d: number } {
  const bytes = Buffer.from(m.float32Base64, 'base64');
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { data, n: m.shape[0], d: m.shape[1] };
}
