/**
 * SHA-256 and SHA-384 (FIPS 180-4), synchronous: the hashes py2p's wire is made of (message ids
 * §1.2, protocol ids §2.2, node ids §2.3) and that web2p recomputes to check a peer's node id.
 *
 * Hand-written instead of @noble/hashes for the browser bundle (issue 20): noble's sha2 module with
 * the utils, Merkle–Damgård and 64-bit helpers it pulls in was 5.2 KB of the 43.7 KB gzip
 * MeshSocket bundle (with bs58, also replaced, the bundle went from 45.7 to 40.8 KB). It derives its
 * round constants and initial values from the primes they are defined by (exact integer roots in
 * BigInt, once, on first use) instead of carrying 1 KB of tables. It is checked byte for byte
 * against node:crypto (test/unit/sha2.test.ts) and the golden vectors. Speed, SHA-256 by
 * bench/sha256.js (same-run medians, Node 22, load 3.3 on 2 cores): 0.84x noble's time on 100 B
 * bodies, 1.12x on 300 B, 0.89x on 4 KiB and 64 KiB; SHA-384 (ids only) about noble's on short input.
 *
 * Browsers' native SHA-2 (crypto.subtle.digest) is asynchronous only; message-hash.ts uses it for
 * large bodies where order allows.
 */

interface Tables {
  /** SHA-512's 80 round constants, each as [high 32 bits, low 32 bits]. */
  k512: Int32Array;
  /** SHA-256's 64 round constants: the high halves of SHA-512's first 64. */
  k256: Int32Array;
  /** SHA-256's initial value: the high halves of SHA-512's (square roots of the first 8 primes). */
  iv256: Int32Array;
  /** SHA-384's initial value, as [high, low] pairs (square roots of the 9th to 16th primes). */
  iv384: Int32Array;
}

let tables: Tables | undefined;

/** floor(x^(1/k)), exactly, by Newton's method from above. */
function integerRoot(x: bigint, k: bigint): bigint {
  let root = 1n << BigInt(Math.ceil(x.toString(2).length / Number(k)));
  for (;;) {
    const next = ((k - 1n) * root + x / root ** (k - 1n)) / k;
    if (next >= root) return root;
    root = next;
  }
}

function constants(): Tables {
  if (tables) return tables;
  const primes: number[] = [];
  for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p)) primes.push(n);
  // the first 64 bits of the fractional part of p^(1/k), as a high and a low 32-bit word
  const fraction = (p: number, k: number) => {
    const bits = integerRoot(BigInt(p) << BigInt(64 * k), BigInt(k));
    return [Number(BigInt.asIntN(32, bits >> 32n)), Number(BigInt.asIntN(32, bits))];
  };
  const k512 = Int32Array.from(primes.flatMap((p) => fraction(p, 3)));
  const roots = Int32Array.from(primes.slice(0, 16).flatMap((p) => fraction(p, 2)));
  const highHalves = (words: Int32Array, count: number) => Int32Array.from({ length: count }, (_, i) => words[2 * i]!);
  return (tables = { k512, k256: highHalves(k512, 64), iv256: highHalves(roots, 8), iv384: roots.slice(16) });
}

type Compress = (view: DataView, offset: number, state: Int32Array, k: Int32Array) => void;

/** The padded last block or two, reused by every call (hashing is synchronous: one at a time). */
const tail = new Uint8Array(256);
const tailView = new DataView(tail.buffer);

/**
 * Runs `compress` over `data`'s blocks, then over the padding (0x80, zeros, the bit length in the
 * last 8 bytes; SHA-512's 16-byte length field has its high half zero for any array that fits).
 */
function hashBlocks(data: Uint8Array, blockBytes: number, compress: Compress, state: Int32Array, k: Int32Array): void {
  const length = data.length;
  const whole = length - (length % blockBytes);
  const view = new DataView(data.buffer, data.byteOffset, length);
  for (let offset = 0; offset < whole; offset += blockBytes) compress(view, offset, state, k);
  const rest = length - whole;
  const tailBytes = rest + 1 + blockBytes / 8 <= blockBytes ? blockBytes : 2 * blockBytes;
  tail.fill(0, 0, tailBytes);
  tail.set(data.subarray(whole));
  tail[rest] = 0x80;
  tailView.setUint32(tailBytes - 8, Math.floor(length / 2 ** 29));
  tailView.setUint32(tailBytes - 4, (length * 8) >>> 0);
  for (let offset = 0; offset < tailBytes; offset += blockBytes) compress(tailView, offset, state, k);
}

/** The first `words` 32-bit words of `state`, big-endian. */
function output(state: Int32Array, words: number): Uint8Array {
  const out = new Uint8Array(4 * words);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words; i++) view.setInt32(4 * i, state[i]!);
  return out;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** SHA-256's message schedule, reused by every call (hashing is synchronous: one at a time). */
const w256 = new Int32Array(64);

/** SHA-256's compression of the block at `offset` into `state`. */
function compress256(view: DataView, offset: number, state: Int32Array, k: Int32Array): void {
  const w = w256;
  for (let i = 0; i < 16; i++) w[i] = view.getInt32(offset + 4 * i);
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[i] = (s1 + w[i - 7]! + s0 + w[i - 16]!) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i]! + w[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const { k256, iv256 } = constants();
  const state = iv256.slice();
  hashBlocks(data, 64, compress256, state, k256);
  return output(state, 8);
}

// SHA-512's 64-bit words as (high, low) 32-bit halves: the halves of a right rotation by n
// (1 ≤ n < 64, n ≠ 32) and of a right shift by n < 32.
const rotrHigh = (h: number, l: number, n: number) => (n < 32 ? (h >>> n) | (l << (32 - n)) : (l >>> (n - 32)) | (h << (64 - n)));
const rotrLow = (h: number, l: number, n: number) => (n < 32 ? (l >>> n) | (h << (32 - n)) : (h >>> (n - 32)) | (l << (64 - n)));
const shrLow = (h: number, l: number, n: number) => (l >>> n) | (h << (32 - n));
/** The carry out of a sum of low halves taken as unsigned (< 2^35, so exact in a double). */
const carry = (lowSum: number) => (lowSum / 2 ** 32) | 0;

/** SHA-512's message schedule, as high and low halves, reused by every call. */
const w512High = new Int32Array(80);
const w512Low = new Int32Array(80);

/** SHA-512's compression of the block at `offset` into `state` ([high, low] × 8). */
function compress512(view: DataView, offset: number, state: Int32Array, k: Int32Array): void {
  const wh = w512High;
  const wl = w512Low;
  for (let i = 0; i < 16; i++) {
    wh[i] = view.getInt32(offset + 8 * i);
    wl[i] = view.getInt32(offset + 8 * i + 4);
  }
  for (let i = 16; i < 80; i++) {
    const xh = wh[i - 15]!, xl = wl[i - 15]!, yh = wh[i - 2]!, yl = wl[i - 2]!;
    const s0h = rotrHigh(xh, xl, 1) ^ rotrHigh(xh, xl, 8) ^ (xh >>> 7);
    const s0l = rotrLow(xh, xl, 1) ^ rotrLow(xh, xl, 8) ^ shrLow(xh, xl, 7);
    const s1h = rotrHigh(yh, yl, 19) ^ rotrHigh(yh, yl, 61) ^ (yh >>> 6);
    const s1l = rotrLow(yh, yl, 19) ^ rotrLow(yh, yl, 61) ^ shrLow(yh, yl, 6);
    const low = (s0l >>> 0) + (s1l >>> 0) + (wl[i - 7]! >>> 0) + (wl[i - 16]! >>> 0);
    wl[i] = low | 0;
    wh[i] = (s0h + s1h + wh[i - 7]! + wh[i - 16]! + carry(low)) | 0;
  }
  let ah = state[0]!, al = state[1]!, bh = state[2]!, bl = state[3]!, ch = state[4]!, cl = state[5]!, dh = state[6]!, dl = state[7]!;
  let eh = state[8]!, el = state[9]!, fh = state[10]!, fl = state[11]!, gh = state[12]!, gl = state[13]!, hh = state[14]!, hl = state[15]!;
  for (let i = 0; i < 80; i++) {
    const S1h = rotrHigh(eh, el, 14) ^ rotrHigh(eh, el, 18) ^ rotrHigh(eh, el, 41);
    const S1l = rotrLow(eh, el, 14) ^ rotrLow(eh, el, 18) ^ rotrLow(eh, el, 41);
    const t1l = (hl >>> 0) + (S1l >>> 0) + (((el & fl) ^ (~el & gl)) >>> 0) + (k[2 * i + 1]! >>> 0) + (wl[i]! >>> 0);
    const t1h = hh + S1h + ((eh & fh) ^ (~eh & gh)) + k[2 * i]! + wh[i]! + carry(t1l);
    const S0h = rotrHigh(ah, al, 28) ^ rotrHigh(ah, al, 34) ^ rotrHigh(ah, al, 39);
    const S0l = rotrLow(ah, al, 28) ^ rotrLow(ah, al, 34) ^ rotrLow(ah, al, 39);
    const t2l = (S0l >>> 0) + (((al & bl) ^ (al & cl) ^ (bl & cl)) >>> 0);
    const t2h = S0h + ((ah & bh) ^ (ah & ch) ^ (bh & ch)) + carry(t2l);
    hh = gh;
    hl = gl;
    gh = fh;
    gl = fl;
    fh = eh;
    fl = el;
    const eLow = (dl >>> 0) + (t1l >>> 0);
    eh = (dh + t1h + carry(eLow)) | 0;
    el = eLow | 0;
    dh = ch;
    dl = cl;
    ch = bh;
    cl = bl;
    bh = ah;
    bl = al;
    const aLow = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + carry(aLow)) | 0;
    al = aLow | 0;
  }
  const v = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
  for (let i = 0; i < 16; i += 2) {
    const low = (state[i + 1]! >>> 0) + (v[i + 1]! >>> 0);
    state[i + 1] = low | 0;
    state[i] = (state[i]! + v[i]! + carry(low)) | 0;
  }
}

/** SHA-384 of `data` (SHA-512 with its own initial value, cut to 48 bytes). */
export function sha384(data: Uint8Array): Uint8Array {
  const { k512, iv384 } = constants();
  const state = iv384.slice();
  hashBlocks(data, 128, compress512, state, k512);
  return output(state, 12);
}
