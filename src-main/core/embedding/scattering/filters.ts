/**
 * The Morlet filter bank of a two-layer 2D wavelet scattering network (Mallat), in the spatial domain.
 *
 * Definitions follow Kymatio (`kymatio/scattering2d/filter_bank.py`, `morlet_2d` and `gabor_2d`), with two
 * deliberate differences: the filters are built directly on a truncated square support instead of a
 * periodised full-size grid (the transform is a zero-padded spatial convolution, not an FFT), and orientation
 * l is the angle pi * l / L (Kymatio uses (L/2 - 1 - l) * pi / L: the same set of angles, indexed differently).
 *
 * Coordinates: u is the row offset (down), v the column offset (right) from the filter centre; Kymatio's first
 * array index (its `xx`) is u too. A filter is stored row-major over u, v in [-radius, radius].
 *
 * Gabor at scale j and angle theta, with a = u cos(theta) + v sin(theta) (along the wave vector) and
 * b = -u sin(theta) + v cos(theta) (across it):
 *   g(u, v) = exp(-(a^2 + slant^2 b^2) / (2 sigma^2)) * exp(i xi a) / (2 pi sigma^2 / slant)
 * with sigma = 0.8 * 2^j, xi = (3 pi / 4) / 2^j and slant = 4 / L (the envelope is sigma along the wave vector,
 * sigma / slant across it). theta = 0 therefore oscillates down the rows: it responds to horizontal stripes.
 *
 * Morlet: psi = g - K * e, where e is the same envelope without the wave and K = sum(g) / sum(e), both sums taken
 * over the truncated support, so that psi has zero mean exactly after truncation (Kymatio computes K the same way
 * over its own grid). No other renormalisation: the amplitude keeps Kymatio's 1 / (2 pi sigma^2 / slant), with
 * pi exact where Kymatio writes 3.1415.
 *
 * Support: a square of 2 * ceil(3 sigma) + 1 pixels. Across the wave vector the envelope's width is
 * sigma / slant = 2 sigma (L = 8), so the support cuts it at 1.5 of its own sigmas along the axes (further along
 * the diagonals); the zero-mean correction is computed after that cut.
 *
 * Low-pass phi: the isotropic Gaussian of sigma = 0.8 * 2^J (Kymatio uses 0.8 * 2^(J-1)) on the same kind of
 * support, renormalised to sum exactly 1 after truncation. The default transform pools with a global spatial
 * mean (the translation-invariant limit of phi), so phi is provided for local-pooling variants and checks.
 */

export interface ScatteringConfig {
  /** Side of the square input patch in pixels; must be divisible by 2^(J-1). */
  patchSize: number;
  /** Number of scales: j = 0..J-1. */
  J: number;
  /** Number of orientations: theta = pi * l / L, l = 0..L-1. */
  L: number;
  /** Input channels (the windowed views of the patch), each transformed on its own. */
  channels: number;
}

export const DEFAULT_SCATTERING_CONFIG: Readonly<ScatteringConfig> = Object.freeze({ patchSize: 64, J: 3, L: 8, channels: 3 });

export const SIGMA0 = 0.8;
/** Added under the square root of every modulus, sqrt(re^2 + im^2 + eps), by the graph and the references alike. */
export const MODULUS_EPS = 1e-12;
export const XI0 = (3 * Math.PI) / 4;

/** A complex filter on a square support of side `size` = 2 * radius + 1, row-major, float64. */
export interface MorletFilter {
  j: number;
  l: number;
  theta: number;
  sigma: number;
  xi: number;
  slant: number;
  radius: number;
  size: number;
  re: Float64Array;
  im: Float64Array;
}

export interface LowPassFilter {
  J: number;
  sigma: number;
  radius: number;
  size: number;
  values: Float64Array;
}

export interface FilterBank {
  config: ScatteringConfig;
  /** psi[j][l]: scale j (sigma0 * 2^j), angle pi * l / L. */
  psi: MorletFilter[][];
  phi: LowPassFilter;
}

/** 2 * ceil(3 sigma) + 1: the side of the square support of a filter of width sigma. */
export function supportRadius(sigma: number): number {
  return Math.ceil(3 * sigma);
}

/** The Morlet wavelet of scale index j (sigma0 * 2^j, xi0 / 2^j) and orientation l of L. */
export function morletFilter(j: number, l: number, L: number): MorletFilter {
  const sigma = SIGMA0 * 2 ** j;
  const xi = XI0 / 2 ** j;
  const theta = (Math.PI * l) / L;
  const slant = 4 / L;
  const radius = supportRadius(sigma);
  const size = 2 * radius + 1;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const norm = (2 * Math.PI * sigma * sigma) / slant;
  const gRe = new Float64Array(size * size);
  const gIm = new Float64Array(size * size);
  const env = new Float64Array(size * size);
  let sumRe = 0;
  let sumIm = 0;
  let sumEnv = 0;
  for (let u = -radius; u <= radius; u++) {
    for (let v = -radius; v <= radius; v++) {
      const a = u * cos + v * sin;
      const b = -u * sin + v * cos;
      const e = Math.exp(-(a * a + slant * slant * b * b) / (2 * sigma * sigma)) / norm;
      const k = (u + radius) * size + (v + radius);
      env[k] = e;
      gRe[k] = e * Math.cos(xi * a);
      gIm[k] = e * Math.sin(xi * a);
      sumRe += gRe[k]!;
      sumIm += gIm[k]!;
      sumEnv += e;
    }
  }
  // K = sum(g) / sum(e), complex in general (its imaginary part vanishes on a point-symmetric support).
  const kRe = sumRe / sumEnv;
  const kIm = sumIm / sumEnv;
  const re = new Float64Array(size * size);
  const im = new Float64Array(size * size);
  for (let k = 0; k < size * size; k++) {
    re[k] = gRe[k]! - kRe * env[k]!;
    im[k] = gIm[k]! - kIm * env[k]!;
  }
  return { j, l, theta, sigma, xi, slant, radius, size, re, im };
}

/** The Gaussian low-pass of sigma0 * 2^J, truncated and renormalised to sum 1. */
export function lowPassFilter(J: number): LowPassFilter {
  const sigma = SIGMA0 * 2 ** J;
  const radius = supportRadius(sigma);
  const size = 2 * radius + 1;
  const values = new Float64Array(size * size);
  let sum = 0;
  for (let u = -radius; u <= radius; u++) {
    for (let v = -radius; v <= radius; v++) {
      const value = Math.exp(-(u * u + v * v) / (2 * sigma * sigma));
      values[(u + radius) * size + (v + radius)] = value;
      sum += value;
    }
  }
  for (let k = 0; k < values.length; k++) values[k]! /= sum;
  return { J, sigma, radius, size, values };
}

export function checkScatteringConfig(config: ScatteringConfig): void {
  const { patchSize, J, L, channels } = config;
  for (const [name, value] of Object.entries({ patchSize, J, L, channels })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`scattering ${name} must be a positive integer (got ${value})`);
  }
  if (patchSize % 2 ** (J - 1) !== 0) {
    throw new RangeError(`scattering patchSize ${patchSize} must be divisible by 2^(J-1) = ${2 ** (J - 1)}`);
  }
}

export function filterBank(config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG): FilterBank {
  checkScatteringConfig(config);
  const psi: MorletFilter[][] = [];
  for (let j = 0; j < config.J; j++) {
    const row: MorletFilter[] = [];
    for (let l = 0; l < config.L; l++) row.push(morletFilter(j, l, config.L));
    psi.push(row);
  }
  return { config: { ...config }, psi, phi: lowPassFilter(config.J) };
}

/** The second-layer scale pairs (j1, j2), j1 < j2, in feature order. */
export function scalePairs(J: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let j1 = 0; j1 < J; j1++) for (let j2 = j1 + 1; j2 < J; j2++) pairs.push([j1, j2]);
  return pairs;
}

/** Coefficients per channel: 1 + J L + L^2 J (J - 1) / 2. */
export function featuresPerChannel(config: ScatteringConfig): number {
  return 1 + config.J * config.L + (config.L * config.L * config.J * (config.J - 1)) / 2;
}

/** D = channels * (1 + J L + L^2 J (J - 1) / 2): 651 for the default configuration. */
export function scatteringDimension(config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG): number {
  return config.channels * featuresPerChannel(config);
}

/**
 * The name of every coefficient, in output order: for each channel c (channel-major), `c/S0`, then
 * `c/S1/j{j}/t{l}` (j-major), then `c/S2/j{j1}-j{j2}/t{l1}-t{l2}` ((j1, j2) in lexicographic order, then l1, then l2).
 */
export function scatteringFeatureNames(config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG, channelNames?: readonly string[]): string[] {
  const names: string[] = [];
  for (let c = 0; c < config.channels; c++) {
    const channel = channelNames?.[c] ?? `c${c}`;
    names.push(`${channel}/S0`);
    for (let j = 0; j < config.J; j++) for (let l = 0; l < config.L; l++) names.push(`${channel}/S1/j${j}/t${l}`);
    for (const [j1, j2] of scalePairs(config.J)) {
      for (let l1 = 0; l1 < config.L; l1++) for (let l2 = 0; l2 < config.L; l2++) names.push(`${channel}/S2/j${j1}-j${j2}/t${l1}-t${l2}`);
    }
  }
  return names;
}
