import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SCATTERING_CONFIG,
  filterBank,
  scalePairs,
  scatteringDimension,
  scatteringFeatureNames,
} from '../../../../src-main/core/embedding/scattering/filters';
import { buildScatteringGraph } from '../../../../src-main/core/embedding/scattering/graph';
import { scatteringReference } from '../../../../src-main/core/embedding/scattering/reference';
import { parseManifest } from '../../../../src-main/core/inference/manifest';
import { repoRoot, tempDir } from '../../../helpers/data';
import { seededUniform } from '../../../helpers/random';

const modelDir = join(repoRoot, 'models', 'scattering');
const { patchSize: n, J, L, channels: C } = DEFAULT_SCATTERING_CONFIG;
const D = scatteringDimension();
const perPatch = C * n * n;


/** A patch whose C channels all show f(row, column). */
function patchOf(f: (row: number, column: number) => number): Float32Array {
  const patch = new Float32Array(perPatch);
  for (let c = 0; c < C; c++) for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) patch[c * n * n + r * n + k] = f(r, k);
  return patch;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num += (a[k]! - b[k]!) ** 2;
    den += b[k]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Index of S1 (j, l) of channel c in the embedding. */
const s1Index = (c: number, j: number, l: number) => c * (D / C) + 1 + j * L + l;

let session: InferenceSession;

async function embed(batch: Float32Array, count: number): Promise<Float32Array[]> {
  const out = await session.run({ patch: new Tensor('float32', batch, [count, C, n, n]) });
  const embedding = out.embedding!;
  expect(embedding.dims).toEqual([count, D]);
  const data = embedding.data as Float32Array;
  return Array.from({ length: count }, (_, i) => data.subarray(i * D, (i + 1) * D));
}

beforeAll(async () => {
  session = await InferenceSession.create(join(modelDir, 'model.onnx'), { executionProviders: ['cpu'] });
});

afterAll(async () => {
  await session?.release();
});

describe('scattering filter bank', () => {
  const bank = filterBank();

  it('has J scales of L Morlet wavelets of the documented widths and a 651-value output', () => {
    expect(bank.psi).toHaveLength(J);
    expect(bank.psi.map((scale) => scale[0]!.size)).toEqual([7, 11, 21]); // 2 ceil(3 * 0.8 * 2^j) + 1
    for (const scale of bank.psi) expect(scale).toHaveLength(L);
    expect(bank.phi.size).toBe(41); // sigma 6.4
    expect(D).toBe(651);
    expect(scatteringFeatureNames()).toHaveLength(651);
    expect(scatteringFeatureNames(DEFAULT_SCATTERING_CONFIG, ['lung', 'soft-tissue', 'bone']).slice(0, 3)).toEqual([
      'lung/S0',
      'lung/S1/j0/t0',
      'lung/S1/j0/t1',
    ]);
  });

  it('gives every wavelet zero mean after truncation, and a low-pass that sums to 1', () => {
    for (const scale of bank.psi) {
      for (const psi of scale) {
        let sumRe = 0;
        let sumIm = 0;
        let mass = 0;
        for (let k = 0; k < psi.re.length; k++) {
          sumRe += psi.re[k]!;
          sumIm += psi.im[k]!;
          mass += Math.hypot(psi.re[k]!, psi.im[k]!);
        }
        expect(Math.abs(sumRe) / mass).toBeLessThan(1e-6);
        expect(Math.abs(sumIm) / mass).toBeLessThan(1e-6);
      }
    }
    const phiSum = bank.phi.values.reduce((a, b) => a + b, 0);
    expect(Math.abs(phiSum - 1)).toBeLessThan(1e-12);
  });

  it('rotates with the orientation: psi at pi/2 is psi at 0 turned by 90 degrees', () => {
    for (const scale of bank.psi) {
      const psi0 = scale[0]!;
      const psi90 = scale[L / 2]!;
      expect(psi90.theta).toBeCloseTo(Math.PI / 2, 12);
      const r = psi0.radius;
      const at = (u: number, v: number) => (u + r) * psi0.size + (v + r);
      let peak = 0;
      for (const v of psi0.re) peak = Math.max(peak, Math.abs(v));
      for (let u = -r; u <= r; u++) {
        for (let v = -r; v <= r; v++) {
          // theta = pi/2 maps (u, v) to (a, b) = (v, -u): psi90(u, v) = psi0(v, -u)
          expect(Math.abs(psi90.re[at(u, v)]! - psi0.re[at(v, -u)]!)).toBeLessThan(1e-12 * peak);
          expect(Math.abs(psi90.im[at(u, v)]! - psi0.im[at(v, -u)]!)).toBeLessThan(1e-12 * peak);
        }
      }
    }
  });

  it('centres each wavelet on frequency xi_j along its orientation (down the rows at theta = 0)', () => {
    for (const scale of bank.psi) {
      for (const psi of scale) {
        const r = psi.radius;
        // |sum psi(u, v) exp(-i w.(u, v))| at w = +-xi (cos theta, sin theta): the Morlet passes +w, not -w
        const response = (sign: number) => {
          let re = 0;
          let im = 0;
          for (let u = -r; u <= r; u++) {
            for (let v = -r; v <= r; v++) {
              const phase = -sign * psi.xi * (u * Math.cos(psi.theta) + v * Math.sin(psi.theta));
              const k = (u + r) * psi.size + (v + r);
              re += psi.re[k]! * Math.cos(phase) - psi.im[k]! * Math.sin(phase);
              im += psi.re[k]! * Math.sin(phase) + psi.im[k]! * Math.cos(phase);
            }
          }
          return Math.hypot(re, im);
        };
        expect(response(1)).toBeGreaterThan(0.8);
        // At j = 0, -w = -3 pi / 4 aliases to 5 pi / 4, near the pass band (as in Kymatio): only a weaker bound.
        expect(response(-1)).toBeLessThan((psi.j === 0 ? 0.5 : 0.05) * response(1));
      }
    }
  });
});

describe('scattering model (models/scattering/model.onnx)', () => {
  it('matches the plain-TypeScript reference on random patches to 1e-4', async () => {
    const count = 4;
    const uniform = seededUniform(7);
    const batch = Float32Array.from({ length: count * perPatch }, uniform);
    const onnx = await embed(batch, count);
    for (let i = 0; i < count; i++) {
      const reference = scatteringReference(batch.subarray(i * perPatch, (i + 1) * perPatch));
      expect(relativeError(onnx[i]!, reference)).toBeLessThan(1e-4);
      let largest = 0;
      for (const v of reference) largest = Math.max(largest, Math.abs(v));
      let maxRelative = 0;
      let checked = 0;
      for (let k = 0; k < D; k++) {
        if (Math.abs(reference[k]!) < 1e-4 * largest) continue;
        checked++;
        maxRelative = Math.max(maxRelative, Math.abs(onnx[i]![k]! - reference[k]!) / Math.abs(reference[k]!));
      }
      expect(checked).toBeGreaterThan(0.9 * D);
      expect(maxRelative).toBeLessThan(1e-4);
    }
  });

  it('matches the reference on a structured patch with flat regions and edges', async () => {
    const patch = patchOf((r, k) => (Math.hypot(r - 30, k - 36) < 14 ? 0.8 : 0.1) + (r > 50 ? 0.05 * Math.sin(k) : 0));
    const [onnx] = await embed(patch, 1);
    expect(relativeError(onnx!, scatteringReference(patch))).toBeLessThan(1e-4);
  });

  it('responds to horizontal stripes at theta = 0 (across the stripes) and least at theta = pi/2 (along them)', async () => {
    // period 6 px: the band of scale j = 1 (xi = 3 pi / 8, period 5.3 px)
    const horizontal = patchOf((r) => 0.5 + 0.5 * Math.cos((2 * Math.PI * r) / 6));
    const vertical = patchOf((_, k) => 0.5 + 0.5 * Math.cos((2 * Math.PI * k) / 6));
    const batch = new Float32Array(2 * perPatch);
    batch.set(horizontal, 0);
    batch.set(vertical, perPatch);
    const [h, v] = await embed(batch, 2);
    const energy = (e: Float32Array, l: number) => Math.expm1(e[s1Index(0, 1, l)]!);
    const argmax = (e: Float32Array) => [...Array(L).keys()].reduce((best, l) => (energy(e, l) > energy(e, best) ? l : best), 0);
    const argmin = (e: Float32Array) => [...Array(L).keys()].reduce((best, l) => (energy(e, l) < energy(e, best) ? l : best), 0);
    expect(argmax(h!)).toBe(0);
    expect(argmin(h!)).toBe(L / 2);
    expect(energy(h!, 0)).toBeGreaterThan(5 * energy(h!, L / 2));
    expect(argmax(v!)).toBe(L / 2);
    expect(argmin(v!)).toBe(0);
  });

  it('permutes orientations when the patch is transposed (theta -> pi/2 - theta)', async () => {
    const uniform = seededUniform(11);
    const patch = Float32Array.from({ length: perPatch }, uniform);
    const transposed = new Float32Array(perPatch);
    for (let c = 0; c < C; c++) for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) transposed[c * n * n + k * n + r] = patch[c * n * n + r * n + k]!;
    const batch = new Float32Array(2 * perPatch);
    batch.set(patch, 0);
    batch.set(transposed, perPatch);
    const [a, b] = await embed(batch, 2);
    const turn = (l: number) => (((L / 2 - l) % L) + L) % L;
    const expected = new Float32Array(D);
    const per = D / C;
    for (let c = 0; c < C; c++) {
      const base = c * per;
      expected[base] = a![base]!;
      for (let j = 0; j < J; j++) for (let l = 0; l < L; l++) expected[base + 1 + j * L + turn(l)] = a![base + 1 + j * L + l]!;
      scalePairs(J).forEach((_, p) => {
        const start = base + 1 + J * L + p * L * L;
        for (let l1 = 0; l1 < L; l1++) for (let l2 = 0; l2 < L; l2++) expected[start + turn(l1) * L + turn(l2)] = a![start + l1 * L + l2]!;
      });
    }
    expect(relativeError(b!, expected)).toBeLessThan(1e-5);
  });
});

describe('scattering model files', () => {
  it('has a manifest that validates and names the model file by its sha256', () => {
    const manifest = parseManifest(JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')), 'models/scattering');
    const bytes = readFileSync(join(modelDir, manifest.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
    expect(manifest).toMatchObject({
      name: 'scattering-texture',
      version: '1.0.0',
      task: 'embedding',
      input: { name: 'patch', shape: ['N', 3, 64, 64], dtype: 'float32' },
      outputs: [{ name: 'embedding', shape: ['N', 651] }],
      preprocessing: {
        patchSize: 64,
        mmPerPixel: 1,
        contextSlices: 0,
        windows: [
          { name: 'lung', center: -600, width: 1500 },
          { name: 'soft-tissue', center: 40, width: 400 },
          { name: 'bone', center: 400, width: 1800 },
        ],
      },
    });
    expect(manifest.provenance).toMatch(/models\/scattering\/build\.ts/);
    expect(session.inputNames).toEqual(['patch']);
    expect(session.outputNames).toEqual(['embedding']);
  });

  it('is rebuilt byte for byte by models/scattering/build.ts', () => {
    const { dir, cleanup } = tempDir('lw-scattering-');
    try {
      execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(modelDir, 'build.ts'), '--out', dir], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
      expect(readFileSync(join(dir, 'model.onnx')).equals(readFileSync(join(modelDir, 'model.onnx')))).toBe(true);
      expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
      expect(Buffer.from(buildScatteringGraph().bytes).equals(readFileSync(join(modelDir, 'model.onnx')))).toBe(true);
    } finally {
      cleanup();
    }
  });
});
