// A seeded pseudo-random source for property tests: the same seed, the same sites, so a
// failing case can be run again.

/** xorshift32: small, seeded, deterministic; values in [0, 1). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}
