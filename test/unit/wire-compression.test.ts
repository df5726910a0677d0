/**
 * Frame-body compression (PROTOCOL.md §1.3): round trips, interop with node:zlib (the zlib py2p and
 * js2p use), negotiation, and decompression bombs. The bomb tests come first so that the process's
 * peak RSS has not yet been raised by the large round trips when they measure it.
 */
import {
  constants as zlibConstants,
  crc32,
  deflateRawSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FrameError, FrameTooLargeError, InflateRatioError } from '../../packages/web2p/src/errors.js';
import {
  chooseCompression,
  compress,
  decompress,
  decompressBody,
  intersectCompression,
  SUPPORTED_COMPRESSION,
} from '../../packages/web2p/src/wire/compression.js';
import { DEFAULT_MAX_FRAME_BYTES, INFLATE_RATIO_FLOOR, MAX_INFLATE_RATIO } from '../../packages/web2p/src/wire/constants.js';
import { decodeBody, decodeFrame, encodeFrame } from '../../packages/web2p/src/wire/frame.js';
import { createMessage } from '../../packages/web2p/src/wire/message.js';
import { seeded, randomBytes } from './wire-test-helpers.js';
import { loadCompression } from '../../packages/web2p/src/wire/compression-loader.js';

// The codec loads on demand (issue 20: fflate stays out of the initial bundle); these tests call it directly.
await loadCompression();

const ZLIB = 0x13;
const GZIP = 0x11;
const BZ2 = 0x10;
const LZMA = 0x12;
const SNAPPY = 0x20;
const MiB = 1024 * 1024;
/** For the tests of the size limit, which inflate zeros far past any ratio a bomb check allows. */
const NO_RATIO_LIMIT = Number.POSITIVE_INFINITY;

const u32be = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number): number[] => u32be(n).reverse();

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A raw DEFLATE stream of `mib` MiB of zeros built without inflating or deflating that much: one
 * MiB of zeros deflated and sync-flushed (non-final blocks ending on a byte boundary, whose only
 * back-references are within themselves), repeated, then an empty final fixed-Huffman block.
 */
function zerosDeflateRaw(mib: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(MiB), { level: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < mib; i++) parts.push(block);
  return concat([...parts, [0x03, 0x00]]);
}

/** zlib (RFC 1950) around `zerosDeflateRaw`, with the correct Adler-32 of that many zeros. */
function zerosZlib(mib: number): Uint8Array {
  const n = mib * MiB;
  const adler = (((n % 65521) << 16) | 1) >>> 0; // a = 1 + Σ0 = 1, b = Σa = n (mod 65521)
  return concat([[0x78, 0xda], zerosDeflateRaw(mib), u32be(adler)]);
}

/** gzip (RFC 1952) around `zerosDeflateRaw`, with the given CRC-32 and ISIZE trailer fields. */
function zerosGzip(mib: number, crc: number, isize: number): Uint8Array {
  return concat([[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff], zerosDeflateRaw(mib), u32le(crc), u32le(isize)]);
}

/** Byte equality without a deep-equality walk over millions of elements. */
function expectSame(actual: Uint8Array, expected: Uint8Array, label = ''): void {
  expect(actual.length, label).toBe(expected.length);
  expect(Buffer.compare(actual, expected), label).toBe(0);
}

/** Runs `fn`, expecting it to throw, and reports the error and how much memory it took. */
function measure(fn: () => unknown): { error: unknown; rssGrowth: number; peakGrowth: number; ms: number } {
  const rssBefore = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  const ms = performance.now() - started;
  return {
    error,
    ms,
    rssGrowth: process.memoryUsage().rss - rssBefore,
    peakGrowth: process.resourceUsage().maxRSS * 1024 - peakBefore,
  };
}

describe('decompression bombs', () => {
  const LIMIT = 64 * MiB;

  it('the bomb construction is valid: node:zlib inflates a 4 MiB one to 4 MiB of zeros', () => {
    const zeros = new Uint8Array(4 * MiB);
    expectSame(inflateSync(zerosZlib(4)), zeros);
    const crc = crc32(zeros);
    expectSame(gunzipSync(zerosGzip(4, crc, 4 * MiB)), zeros);
    // and ours agrees, within a large enough limit
    expectSame(decompress(zerosZlib(4), ZLIB, 4 * MiB, NO_RATIO_LIMIT), zeros);
    expectSame(decompress(zerosGzip(4, crc, 4 * MiB), GZIP, 4 * MiB, NO_RATIO_LIMIT), zeros);
  });

  it('a zlib body inflating to 1 GiB is refused with FrameTooLargeError without allocating it', () => {
    const bomb = zerosZlib(1024);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const { error, rssGrowth, peakGrowth } = measure(() => decompress(bomb, ZLIB, DEFAULT_MAX_FRAME_BYTES));
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect((error as Error).message).toMatch(/inflates past the 16777216-byte frame limit/);
    expect(rssGrowth).toBeLessThan(LIMIT);
    expect(peakGrowth).toBeLessThan(LIMIT);
  });

  it('a gzip body whose ISIZE trailer claims 1 KiB but inflates to 1 GiB is refused', () => {
    const bomb = zerosGzip(1024, 0, 1024);
    const { error, rssGrowth, peakGrowth } = measure(() => decompress(bomb, GZIP, DEFAULT_MAX_FRAME_BYTES));
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect(rssGrowth).toBeLessThan(LIMIT);
    expect(peakGrowth).toBeLessThan(LIMIT);
  });

  it('a small gzip body whose ISIZE trailer claims 4 GiB is refused without allocating 4 GiB', () => {
    const honest = gzipSync(Buffer.from('hello, world'));
    expect(Buffer.from(decompress(honest, GZIP, DEFAULT_MAX_FRAME_BYTES)).toString()).toBe('hello, world');
    const lying = new Uint8Array(honest);
    lying.set(u32le(0xffffffff), lying.length - 4);
    const { error, rssGrowth, peakGrowth } = measure(() => decompress(lying, GZIP, DEFAULT_MAX_FRAME_BYTES));
    // As py2p's zlib does, the trailer is checked after inflating (and is never used to allocate).
    expect(error).toBeInstanceOf(FrameError);
    expect((error as Error).message).toMatch(/CRC-32\/ISIZE trailer/);
    expect(rssGrowth).toBeLessThan(LIMIT);
    expect(peakGrowth).toBeLessThan(LIMIT);
  });

  it.each([
    ['zlib', ZLIB, () => zerosZlib(1024)],
    ['gzip', GZIP, () => zerosGzip(1024, 0, 1024)],
  ])('a %s bomb in a frame is refused by decodeFrame and decodeBody (not taken as uncompressed)', (_name, method, build) => {
    const bomb = build();
    const frame = concat([u32be(bomb.length), bomb]);
    for (const methods of [[method], [ZLIB, GZIP], [GZIP, ZLIB], [SNAPPY, method]]) {
      const a = measure(() => decodeFrame(frame, methods));
      expect(a.error, `decodeFrame with ${methods}`).toBeInstanceOf(FrameTooLargeError);
      expect(a.peakGrowth).toBeLessThan(LIMIT);
      const b = measure(() => decompressBody(bomb, methods, DEFAULT_MAX_FRAME_BYTES));
      expect(b.error, `decompressBody with ${methods}`).toBeInstanceOf(FrameTooLargeError);
      const c = measure(() => decodeBody(bomb, methods));
      expect(c.error, `decodeBody with ${methods}`).toBeInstanceOf(FrameTooLargeError);
    }
  });

  it('the limit is exact: 1 MiB of zeros inflates under a 1 MiB limit and is refused under 1 MiB - 1', () => {
    for (const [method, body] of [
      [ZLIB, zerosZlib(1)],
      [GZIP, zerosGzip(1, crc32(Buffer.alloc(MiB)), MiB)],
    ] as const) {
      expect(decompress(body, method, MiB, NO_RATIO_LIMIT).length).toBe(MiB);
      expect(() => decompress(body, method, MiB - 1, NO_RATIO_LIMIT)).toThrow(FrameTooLargeError);
      expect(() => decompressBody(body, [method], MiB - 1, NO_RATIO_LIMIT)).toThrow(FrameTooLargeError);
    }
  });
});

describe('round trips', () => {
  it.each([
    ['zlib', ZLIB],
    ['gzip', GZIP],
  ])('%s: 500 random inputs of at most 40 bytes (js2p test_base)', (_name, method) => {
    const next = seeded(method);
    for (let i = 0; i < 500; i++) {
      const input = randomBytes(next, Math.floor(next() * 41));
      const packed = compress(input, method);
      expect(decompress(packed, method, DEFAULT_MAX_FRAME_BYTES), `input ${i}`).toEqual(input);
    }
  });

  it.each([
    ['zlib', ZLIB],
    ['gzip', GZIP],
  ])('%s: large inputs (1 MiB random, 8 MiB text, 16 MiB zeros)', (_name, method) => {
    const next = seeded(0x1a5e + method);
    const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog 测试成功 '.repeat(150_000));
    for (const input of [randomBytes(next, MiB), text.subarray(0, 8 * MiB), new Uint8Array(16 * MiB)]) {
      const packed = compress(input, method);
      expectSame(decompress(packed, method, DEFAULT_MAX_FRAME_BYTES, NO_RATIO_LIMIT), input);
    }
  });
});

describe('unknown methods', () => {
  it.each([
    ['bz2', BZ2],
    ['lzma', LZMA],
    ['snappy', SNAPPY],
    ['0x99', 0x99],
    ['0x00', 0x00],
    ['bwtc (reserved)', 0x14],
  ])('%s throws on compress and on decompress', (_name, method) => {
    const data = new Uint8Array([1, 2, 3]);
    expect(() => compress(data, method)).toThrow(/not supported/);
    expect(() => decompress(zerosZlib(1), method, DEFAULT_MAX_FRAME_BYTES)).toThrow(/not supported/);
    expect(() => decompress(data, method, DEFAULT_MAX_FRAME_BYTES)).toThrow(/not supported/);
  });

  it('100 random unknown method numbers throw both ways (py2p test_compression_exceptions)', () => {
    const next = seeded(100);
    for (let i = 0; i < 100; i++) {
      let method = Math.floor(next() * 0x10000);
      if (method === ZLIB || method === GZIP) method += 1;
      expect(() => compress(new Uint8Array([i]), method)).toThrow();
      expect(() => decompress(compress(new Uint8Array([i]), ZLIB), method, 1000)).toThrow();
    }
  });
});

describe('bad input to a supported method', () => {
  it.each([
    ['zlib', ZLIB],
    ['gzip', GZIP],
  ])('%s: empty, garbage, truncated and wrong-format bodies are FrameErrors', (name, method) => {
    const good = compress(new TextEncoder().encode('a body long enough to have several deflate symbols'), method);
    const other = compress(new Uint8Array([1, 2, 3]), method === ZLIB ? GZIP : ZLIB);
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['one byte', good.subarray(0, 1)],
      ['garbage', new Uint8Array(64).fill(0xff)],
      ['the other format', other],
      ['the header alone', good.subarray(0, method === ZLIB ? 2 : 10)],
      ['cut in the middle', good.subarray(0, good.length >> 1)],
    ];
    for (const [label, body] of cases) {
      let error: unknown;
      try {
        decompress(body, method, DEFAULT_MAX_FRAME_BYTES);
      } catch (caught) {
        error = caught;
      }
      expect(error, `${name}: ${label}`).toBeInstanceOf(FrameError);
      expect((error as Error).message, `${name}: ${label}`).toMatch(new RegExp(`not valid ${name} data`));
    }
  });
});

describe('interop with node:zlib (the zlib of py2p and js2p)', () => {
  const next = seeded(0x2b);
  const inputs = [
    new Uint8Array(0),
    new TextEncoder().encode('hello'),
    randomBytes(next, 40),
    randomBytes(next, 70_000),
    new TextEncoder().encode('abc'.repeat(30_000)),
  ];

  it.each(inputs.map((input) => [input.length, input] as const))('%i bytes: ours is read by node:zlib', (_n, input) => {
    expectSame(inflateSync(compress(input, ZLIB)), input);
    expectSame(gunzipSync(compress(input, GZIP)), input);
  });

  it.each(inputs.map((input) => [input.length, input] as const))('%i bytes: node:zlib at every level is read by ours', (_n, input) => {
    for (let level = 0; level <= 9; level++) {
      expectSame(decompress(deflateSync(input, { level }), ZLIB, DEFAULT_MAX_FRAME_BYTES), input, `zlib level ${level}`);
      expectSame(decompress(gzipSync(input, { level }), GZIP, DEFAULT_MAX_FRAME_BYTES), input, `gzip level ${level}`);
    }
    for (const windowBits of [9, 12, 15]) {
      expectSame(decompress(deflateSync(input, { windowBits }), ZLIB, DEFAULT_MAX_FRAME_BYTES), input, `windowBits ${windowBits}`);
    }
  });
});

describe('decompressBody negotiation (§1.2 step 3)', () => {
  const raw = new TextEncoder().encode('x'.repeat(32) + 'an uncompressed frame body of some length');
  const zlibbed = compress(raw, ZLIB);
  const gzipped = compress(raw, GZIP);
  const MAX = DEFAULT_MAX_FRAME_BYTES;

  it.each([
    ['zlib body, peer [zlib]', zlibbed, [ZLIB], raw],
    ['zlib body, peer [gzip, zlib]: the next method is tried', zlibbed, [GZIP, ZLIB], raw],
    ['zlib body, peer [zlib, gzip]', zlibbed, [ZLIB, GZIP], raw],
    ['gzip body, peer [zlib, gzip]', gzipped, [ZLIB, GZIP], raw],
    ['gzip body, peer [snappy, bz2, gzip]: methods we lack are skipped', gzipped, [SNAPPY, BZ2, GZIP], raw],
    ['zlib body, peer []: taken as uncompressed', zlibbed, [], zlibbed],
    ['zlib body, peer [gzip] only: taken as uncompressed', zlibbed, [GZIP], zlibbed],
    ['zlib body, peer [snappy, lzma]: none we support, uncompressed', zlibbed, [SNAPPY, LZMA], zlibbed],
    ['uncompressed body, peer [zlib, gzip]: falls back to uncompressed', raw, [ZLIB, GZIP], raw],
    ['a corrupt zlib body falls back to uncompressed', zlibbed.map((b, i) => (i === 5 ? b ^ 0xff : b)), [ZLIB], null],
  ] as const)('%s', (_name, body, methods, expected) => {
    const out = decompressBody(body, methods, MAX);
    expect(out).toEqual(expected ?? body);
  });

  it('an uncompressed body that happens to start like a zlib header is still read (fallback)', () => {
    const looksZlib = new Uint8Array([0x78, 0x9c, ...raw]);
    expect(decompressBody(looksZlib, [ZLIB, GZIP], MAX)).toEqual(looksZlib);
    const looksGzip = new Uint8Array([0x1f, 0x8b, 8, 0, ...raw]);
    expect(decompressBody(looksGzip, [ZLIB, GZIP], MAX)).toEqual(looksGzip);
  });

  it('a body that inflates past the limit is refused even though uncompressed would be a fallback', () => {
    expect(() => decompressBody(zlibbed, [ZLIB], raw.length - 1)).toThrow(FrameTooLargeError);
  });
});

describe('choosing and intersecting (§1.3)', () => {
  it('we support zlib then gzip, the js2p/py2p preference order', () => {
    expect([...SUPPORTED_COMPRESSION]).toEqual([ZLIB, GZIP]);
  });

  it.each([
    [[ZLIB, GZIP], [GZIP, ZLIB], ZLIB],
    [[ZLIB, GZIP], [ZLIB, GZIP], ZLIB],
    [[ZLIB, GZIP], [GZIP], GZIP],
    [[GZIP, ZLIB], [ZLIB, GZIP], GZIP],
    [[ZLIB, GZIP], [SNAPPY, ZLIB, GZIP, BZ2, LZMA], ZLIB],
    [[ZLIB, GZIP], [SNAPPY, BZ2, LZMA], undefined],
    [[ZLIB, GZIP], [], undefined],
    [[], [ZLIB, GZIP], undefined],
  ])('chooseCompression(local %j, peer %j) = %j: our first preference the peer has', (local, peer, expected) => {
    expect(chooseCompression(local, peer)).toBe(expected);
  });

  it.each([
    [[ZLIB, GZIP], [GZIP, 0x99, ZLIB], [ZLIB, GZIP]],
    [[ZLIB, GZIP], [GZIP], [GZIP]],
    [[GZIP, ZLIB], [ZLIB, GZIP, SNAPPY], [GZIP, ZLIB]],
    [[ZLIB, GZIP], [SNAPPY], []],
    [[ZLIB, GZIP], [], []],
    [[], [ZLIB], []],
  ])('intersectCompression(local %j, peer %j) = %j, in our order', (local, peer, expected) => {
    expect(intersectCompression(local, peer)).toEqual(expected);
  });

  it('200 random pairs: an ordered intersection (py2p test_intersect)', () => {
    const next = seeded(200);
    for (let i = 0; i < 200; i++) {
      const a = Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * 12));
      const b = Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * 12));
      const both = intersectCompression(a, b);
      expect(both).toEqual(a.filter((x) => b.includes(x)));
      expect(chooseCompression(a, b)).toBe(both[0]);
    }
  });
});

describe('the inflate ratio (compression bombs under the frame limit)', () => {
  const bomb = compress(new Uint8Array(DEFAULT_MAX_FRAME_BYTES - 64), ZLIB); // about 1,000:1

  it('refuses a body inflating past MAX_INFLATE_RATIO times its size, while inflating', () => {
    expect(() => decompress(bomb, ZLIB, DEFAULT_MAX_FRAME_BYTES)).toThrow(InflateRatioError);
    expect(() => decodeBody(bomb, [ZLIB])).toThrow(InflateRatioError);
  });

  it('takes high-ratio bodies up to INFLATE_RATIO_FLOOR, and honest ratios of any size', () => {
    const small = new Uint8Array(INFLATE_RATIO_FLOOR);
    expect(decompress(compress(small, ZLIB), ZLIB, DEFAULT_MAX_FRAME_BYTES).length).toBe(INFLATE_RATIO_FLOOR);
    const next = seeded(7);
    const text = new TextEncoder().encode(Array.from({ length: 200_000 }, () => Math.floor(next() * 1e9).toString(36)).join(' '));
    expect(compress(text, ZLIB).length * MAX_INFLATE_RATIO).toBeGreaterThan(text.length);
    expectSame(decompress(compress(text, ZLIB), ZLIB, DEFAULT_MAX_FRAME_BYTES), text);
  });

  it('a frame whose body compresses past the ratio goes out uncompressed, so no receiver takes it for a bomb', () => {
    const message = createMessage(0, 'sender', 1, [1, new Uint8Array(4 * MiB)]);
    const frame = encodeFrame(message, ZLIB);
    expect(frame.length).toBe(4 + 32 + message.body.length);
    expectSame(decodeFrame(frame, [ZLIB]).body, message.body);
  });
});
