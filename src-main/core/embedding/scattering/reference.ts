import { DEFAULT_SCATTERING_CONFIG, filterBank, MODULUS_EPS, scatteringDimension, scalePairs, type MorletFilter, type ScatteringConfig } from './filters';

/**
 * The scattering transform written out with plain loops, in float64: the independent reference the ONNX graph
 * (graph.ts) is checked against. It shares only the filter bank with the graph builder.
 */

/**
 * |x * psi| at every `stride`-th pixel: the true convolution (x * psi)(p) = sum_t x(p - t) psi(t) over the
 * filter's support, x taken as zero outside the image, evaluated at p = stride * o for o = 0..n/stride - 1.
 */
export function modulusConvolution(x: ArrayLike<number>, n: number, psi: MorletFilter, stride: number): Float64Array {
  if (n % stride !== 0) throw new RangeError(`image side ${n} is not a multiple of the stride ${stride}`);
  const m = n / stride;
  const r = psi.radius;
  const out = new Float64Array(m * m);
  for (let oy = 0; oy < m; oy++) {
    for (let ox = 0; ox < m; ox++) {
      const py = oy * stride;
      const px = ox * stride;
      let re = 0;
      let im = 0;
      for (let tu = -r; tu <= r; tu++) {
        const y = py - tu;
        if (y < 0 || y >= n) continue;
        for (let tv = -r; tv <= r; tv++) {
          const xx = px - tv;
          if (xx < 0 || xx >= n) continue;
          const value = x[y * n + xx]!;
          const k = (tu + r) * psi.size + (tv + r);
          re += value * psi.re[k]!;
          im += value * psi.im[k]!;
        }
      }
      out[oy * m + ox] = Math.sqrt(re * re + im * im + MODULUS_EPS);
    }
  }
  return out;
}

function mean(values: ArrayLike<number>, from = 0, count = values.length): number {
  let sum = 0;
  for (let k = from; k < from + count; k++) sum += values[k]!;
  return sum / count;
}

/**
 * Scattering coefficients of one patch (channels x patchSize x patchSize, channel-major, row-major), in the order
 * of `scatteringFeatureNames`: per channel S0 = mean(x), S1 = log1p(mean |x * psi_{j,l}|) (stride 2^j),
 * S2 = log1p(mean ||x * psi_{j1,l1}| * psi_{j2-j1,l2}|) (the second filter at the subsampled resolution, stride 2^(j2-j1)).
 */
export function scatteringReference(patch: ArrayLike<number>, config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG): Float64Array {
  const bank = filterBank(config);
  const { patchSize: n, J, L, channels } = config;
  if (patch.length !== channels * n * n) throw new RangeError(`patch has ${patch.length} values, expected ${channels}x${n}x${n}`);
  const out = new Float64Array(scatteringDimension(config));
  let at = 0;
  for (let c = 0; c < channels; c++) {
    const x = Array.prototype.slice.call(patch, c * n * n, (c + 1) * n * n) as number[];
    out[at++] = mean(x);
    const firstLayer: Float64Array[][] = [];
    for (let j = 0; j < J; j++) {
      const maps: Float64Array[] = [];
      for (let l = 0; l < L; l++) {
        const u1 = modulusConvolution(x, n, bank.psi[j]![l]!, 2 ** j);
        maps.push(u1);
        out[at++] = Math.log1p(mean(u1));
      }
      firstLayer.push(maps);
    }
    for (const [j1, j2] of scalePairs(J)) {
      const n1 = n / 2 ** j1;
      for (let l1 = 0; l1 < L; l1++) {
        for (let l2 = 0; l2 < L; l2++) {
          const u2 = modulusConvolution(firstLayer[j1]![l1]!, n1, bank.psi[j2 - j1]![l2]!, 2 ** (j2 - j1));
          out[at++] = Math.log1p(mean(u2));
        }
      }
    }
  }
  return out;
}

/** `scatteringReference` over a batch laid out as [N, channels, patchSize, patchSize]. */
export function scatteringReferenceBatch(batch: Float32Array, count: number, config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG): Float64Array[] {
  const size = config.channels * config.patchSize * config.patchSize;
  if (batch.length !== count * size) throw new RangeError(`batch has ${batch.length} values, expected ${count}x${size}`);
  const rows: Float64Array[] = [];
  for (let i = 0; i < count; i++) rows.push(scatteringReference(batch.subarray(i * size, (i + 1) * size), config));
  return rows;
}
