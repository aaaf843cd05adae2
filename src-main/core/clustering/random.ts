/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) so that every clustering run,
 * sample and shuffle is reproducible from one number. Not for cryptography.
 */

type IndexableArray = { length: number; [index: number]: number } | unknown[];

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Any finite number is a seed; seeds that differ only beyond 2^53 give the same stream. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const whole = Math.trunc(seed);
    // splitmix32 over both 32-bit halves of the seed, so 1 and 2^32 + 1 differ; never an all-zero state
    let x = (whole >>> 0) ^ Math.imul((Math.floor(whole / 4294967296) >>> 0) ^ 0x5bd1e995, 0x9e3779b9);
    const mix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits (two draws). */
  next(): number {
    const high = this.uint32() >>> 5; // 27 bits
    const low = this.uint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias; n a positive integer. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    if (n <= 4294967296) {
      // rejection sampling over the largest multiple of n below 2^32
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const u = this.uint32();
        if (u < limit) return u % n;
      }
    }
    return Math.floor(this.next() * n);
  }

  /** A standard normal deviate (Box-Muller; one of the pair is discarded to keep the stream simple). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Fisher-Yates in place. With `count` < length only the first `count` places are drawn: they hold a uniform
   * random sample without replacement, in random order (the rest is left in some order). Returns the array.
   */
  shuffle<T extends IndexableArray>(array: T, count: number = array.length): T {
    const n = array.length;
    const m = Math.min(count, n - 1);
    const a = array as { [index: number]: unknown };
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return array;
  }
}

/** A generator for `seed` (the same stream as `new SeededRandom(seed)`). */
export function createRandom(seed: number): SeededRandom {
  return new SeededRandom(seed);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
