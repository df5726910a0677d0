/**
 * Every random draw in the library goes through a Random, so a simulation seeded with the same
 * value makes the same ids, latencies and choices.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
}

/** An integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random.next() * n);
}

/** A new array with the items in random order (Fisher–Yates). */
export function shuffled<T>(random: Random, items: Iterable<T>): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Cryptographic randomness from the platform (Web Crypto, also global in Node 20). */
export const systemRandom: Random = {
  next: () => globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32,
  bytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
};

/**
 * A small, fast, seedable generator (sfc32) for simulations. Not for keys or anything secret.
 */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32(); // mix the seed in before the first draw
  }

  /** The next draw as an unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let word = this.nextUint32();
      for (let j = i; j < Math.min(i + 4, n); j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** A generator for a sub-component, independent of later draws from this one. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}
