/**
 * Our msgpack (PROTOCOL.md §1.4): the widths it writes, round trips, and how strictly it reads
 * untrusted bytes. Every refusal must be a FrameError (the connection is dropped), never a
 * RangeError, a stack overflow or a huge allocation.
 */
import { describe, expect, it } from 'vitest';
import { DecodeCostError, FrameError } from '../../packages/web2p/src/errors.js';
import { decode, encode } from '../../packages/web2p/src/wire/msgpack.js';
import type { Packet } from '../../packages/web2p/src/wire/packet.js';
import { seeded, hex, unhex } from './wire-test-helpers.js';

const fill = (n: number, byte = 0x61): Uint8Array => new Uint8Array(n).fill(byte);

function expectFrameError(bytes: Uint8Array, message?: RegExp): FrameError {
  let thrown: unknown;
  try {
    decode(bytes);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `decode(${hex(bytes.subarray(0, 24))}…) should throw`).toBeInstanceOf(FrameError);
  if (message) expect((thrown as Error).message).toMatch(message);
  return thrown as FrameError;
}

// [value, our bytes, msgpack-lite's bytes where they differ]. msgpack-lite (js2p) writes every
// number outside int32 as float64 and a 255-byte bin as bin16; we write the smallest width as
// u-msgpack-python (py2p) and the msgpack spec do. Both forms decode to the same value (below),
// and relays never re-encode (§1.2 step 6), so ids do not depend on this choice.
// prettier-ignore
const NUMBERS: [string, number | bigint, string, string?][] = [
  ['positive fixint 0', 0, '00'],
  ['positive fixint 1', 1, '01'],
  ['positive fixint 127', 127, '7f'],
  ['uint8 128', 128, 'cc80'],
  ['uint8 255', 255, 'ccff'],
  ['uint16 256', 256, 'cd0100'],
  ['uint16 65535', 65535, 'cdffff'],
  ['uint32 65536', 65536, 'ce00010000'],
  ['uint32 1500000000 (a timestamp)', 1500000000, 'ce59682f00'],
  ['uint32 2^31-1', 2 ** 31 - 1, 'ce7fffffff'],
  ['uint32 2^31', 2 ** 31, 'ce80000000', 'cb41e0000000000000'],
  ['uint32 2^32-1', 2 ** 32 - 1, 'ceffffffff', 'cb41efffffffe00000'],
  ['uint64 2^32', 2 ** 32, 'cf0000000100000000', 'cb41f0000000000000'],
  ['uint64 2^53-1', Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff', 'cb433fffffffffffff'],
  ['negative fixint -1', -1, 'ff'],
  ['negative fixint -32', -32, 'e0'],
  ['int8 -33', -33, 'd0df'],
  ['int8 -128', -128, 'd080'],
  ['int16 -129', -129, 'd1ff7f'],
  ['int16 -32768', -32768, 'd18000'],
  ['int32 -32769', -32769, 'd2ffff7fff'],
  ['int32 -2^31', -(2 ** 31), 'd280000000'],
  ['int64 -2^31-1', -(2 ** 31) - 1, 'd3ffffffff7fffffff', 'cbc1e0000000200000'],
  ['int64 -(2^53-1)', Number.MIN_SAFE_INTEGER, 'd3ffe0000000000001', 'cbc33fffffffffffff'],
  ['float64 0.5', 0.5, 'cb3fe0000000000000'],
  ['float64 -1.5', -1.5, 'cbbff8000000000000'],
  ['float64 1e300', 1e300, 'cb7e37e43c8800759c'],
  ['float64 2^53 (not a safe integer)', 2 ** 53, 'cb4340000000000000'],
  ['float64 Infinity', Infinity, 'cb7ff0000000000000'],
  ['float64 -Infinity', -Infinity, 'cbfff0000000000000'],
  ['bigint uint64 2^64-1', 2n ** 64n - 1n, 'cfffffffffffffffff'],
  ['bigint uint64 2^63', 2n ** 63n, 'cf8000000000000000'],
  ['bigint int64 -2^63', -(2n ** 63n), 'd38000000000000000'],
];

describe('encoding widths', () => {
  it.each(NUMBERS)('%s', (_name, value, ours, lite) => {
    expect(hex(encode(value))).toBe(ours);
    const expected = typeof value === 'bigint' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    expect(decode(unhex(ours))).toEqual(expected);
    // What js2p (msgpack-lite) writes for the same number reads back as the same number.
    if (lite) expect(decode(unhex(lite))).toEqual(value);
  });

  it('-0 is written as the integer 0 (as msgpack-lite does) and NaN as float64', () => {
    expect(hex(encode(-0))).toBe('00');
    expect(hex(encode(NaN))).toMatch(/^cb7ff8/);
    expect(decode(encode(NaN))).toBeNaN();
  });

  it('nil, booleans; undefined is nil (msgpack-lite)', () => {
    expect(hex(encode(null))).toBe('c0');
    expect(hex(encode(undefined as unknown as Packet))).toBe('c0');
    expect(hex(encode(false))).toBe('c2');
    expect(hex(encode(true))).toBe('c3');
    expect(decode(unhex('c0'))).toBeNull();
    expect(decode(unhex('c2'))).toBe(false);
    expect(decode(unhex('c3'))).toBe(true);
  });

  it('64-bit ints outside the safe range decode to bigints; float32 is read', () => {
    expect(decode(unhex('cf0020000000000000'))).toBe(2n ** 53n);
    expect(decode(unhex('d3ffdfffffffffffff'))).toBe(-(2n ** 53n) - 1n);
    expect(decode(unhex('cf0000000000000005'))).toBe(5);
    expect(decode(unhex('ca3fc00000'))).toBe(1.5);
  });

  it('refuses bigints that do not fit 64 bits instead of wrapping them', () => {
    expect(() => encode(2n ** 64n)).toThrow(RangeError);
    expect(() => encode(-(2n ** 63n) - 1n)).toThrow(RangeError);
  });

  // [length, header of a str of that many UTF-8 bytes, header of a bin, msgpack-lite's bin header]
  // prettier-ignore
  const LENGTHS: [number, string, string, string?][] = [
    [0, 'a0', 'c400'],
    [31, 'bf', 'c41f'],
    [32, 'd920', 'c420'],
    [255, 'd9ff', 'c4ff', 'c500ff'],
    [256, 'da0100', 'c50100'],
    [65535, 'daffff', 'c5ffff'],
    [65536, 'db00010000', 'c600010000'],
  ];

  it.each(LENGTHS)('str and bin of %i bytes', (length, strHead, binHead, liteBinHead) => {
    const str = 'a'.repeat(length);
    const strBytes = encode(str);
    expect(hex(strBytes.subarray(0, strHead.length / 2))).toBe(strHead);
    expect(strBytes.length).toBe(strHead.length / 2 + length);
    expect(decode(strBytes)).toBe(str);

    const bin = fill(length, 0xfe);
    const binBytes = encode(bin);
    expect(hex(binBytes.subarray(0, binHead.length / 2))).toBe(binHead);
    expect(binBytes.length).toBe(binHead.length / 2 + length);
    expect(decode(binBytes)).toEqual(bin);
    if (liteBinHead) expect(decode(new Uint8Array([...unhex(liteBinHead), ...bin]))).toEqual(bin);
  });

  it('str lengths count UTF-8 bytes, not characters', () => {
    expect(hex(encode('é'.repeat(15)).subarray(0, 1))).toBe('be'); // 30 bytes: fixstr
    expect(hex(encode('é'.repeat(16)).subarray(0, 2))).toBe('d920'); // 32 bytes: str8
    expect(hex(encode('😀'))).toBe('a4f09f9880');
    expect(decode(encode('测试成功😀'))).toBe('测试成功😀');
  });

  it('a Buffer is bin, like any Uint8Array', () => {
    expect(hex(encode(Buffer.from('ab')))).toBe('c4026162');
  });

  // prettier-ignore
  const COUNTS: [number, string, string][] = [
    [0, '90', '80'],
    [15, '9f', '8f'],
    [16, 'dc0010', 'de0010'],
    [65535, 'dcffff', 'deffff'],
    [65536, 'dd00010000', 'df00010000'],
  ];

  it.each(COUNTS)('array and map of %i items', (count, arrayHead, mapHead) => {
    const array = new Array<Packet>(count).fill(1);
    const arrayBytes = encode(array);
    expect(hex(arrayBytes.subarray(0, arrayHead.length / 2))).toBe(arrayHead);
    expect(arrayBytes.length).toBe(arrayHead.length / 2 + count);
    expect(decode(arrayBytes)).toEqual(array);

    const map: { [key: string]: Packet } = {};
    for (let i = 0; i < count; i++) map[`k${i}`] = i % 100;
    const mapBytes = encode(map);
    expect(hex(mapBytes.subarray(0, mapHead.length / 2))).toBe(mapHead);
    expect(decode(mapBytes)).toEqual(map);
  });

  it('maps keep insertion order and stringify py2p-style scalar and bin keys', () => {
    expect(hex(encode({ b: 1, a: 2 }))).toBe('82a16201a16102');
    // {1: 'x', b'k': 'y', None: 'z'} as py2p would send it
    expect(decode(unhex('83 01 a178 c4016b a179 c0 a17a'))).toEqual({ '1': 'x', k: 'y', null: 'z' });
  });

  it('refuses what it cannot encode', () => {
    expect(() => encode((() => 1) as unknown as Packet)).toThrow(TypeError);
    expect(() => encode(Symbol('s') as unknown as Packet)).toThrow(TypeError);
    let deep: Packet = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => encode(deep)).toThrow(TypeError);
  });
});

/** A random msgpack-representable value that decodes back to itself. */
function randomValue(next: () => number, depth: number): Packet {
  const pick = Math.floor(next() * (depth > 4 ? 9 : 11));
  const int = (limit: number): number => Math.floor(next() * limit) * (next() < 0.5 ? -1 : 1);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return int(2 ** [7, 8, 16, 31, 32, 53][Math.floor(next() * 6)]!) || 0;
    case 3:
      return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 4: {
      const big = (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32));
      const value = next() < 0.5 ? big : -(big >> 1n) - 1n;
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    case 5:
    case 6: {
      const chars = ['a', 'Z', '0', ' ', 'é', 'ß', '测', '试', '😀', '\u0000', '\uffff'];
      let s = '';
      const length = Math.floor(next() * (next() < 0.1 ? 300 : 20));
      for (let i = 0; i < length; i++) s += chars[Math.floor(next() * chars.length)]!;
      return s;
    }
    case 7:
    case 8:
      return new Uint8Array(Math.floor(next() * (next() < 0.1 ? 300 : 20))).map(() => Math.floor(next() * 256));
    case 9: {
      const length = Math.floor(next() * (next() < 0.05 ? 40 : 6));
      return Array.from({ length }, () => randomValue(next, depth + 1));
    }
    default: {
      const map: { [key: string]: Packet } = {};
      const length = Math.floor(next() * (next() < 0.05 ? 40 : 6));
      for (let i = 0; i < length; i++) {
        const key = [`k${i}`, `测${i}`, '__proto__', 'constructor'][i % 4]!;
        // defineProperty, since assigning to "__proto__" would set the prototype instead
        Object.defineProperty(map, key, { value: randomValue(next, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return map;
    }
  }
}

describe('round trips', () => {
  it('decode(encode(x)) equals x for 5000 random nested values (seeded)', () => {
    const seed = 0x6d7367;
    const next = seeded(seed);
    for (let round = 0; round < 5000; round++) {
      const value = randomValue(next, 0);
      const bytes = encode(value);
      const back = decode(bytes);
      expect(back, `seed ${seed}, round ${round}`).toEqual(value);
      expect(hex(encode(back)), `seed ${seed}, round ${round}`).toBe(hex(bytes));
    }
  });

  it('bins decode as copies: changing one does not change the input bytes', () => {
    const bytes = encode([new Uint8Array([1, 2, 3])]);
    const [bin] = decode(bytes) as [Uint8Array];
    bin[0] = 99;
    expect(hex(bytes)).toBe('91c403010203');
    expect(bin.buffer).not.toBe(bytes.buffer);
  });

  it('decodes a view into a larger buffer at an odd offset', () => {
    const inner = encode([1, 'x', new Uint8Array([7]), 1.5, 70000]);
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 3);
    expect(decode(outer.subarray(3, 3 + inner.length))).toEqual([1, 'x', new Uint8Array([7]), 1.5, 70000]);
  });

  it('decodes from a start offset, negative ints of every width and 64-bit values included', () => {
    const value = [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), 2 ** 32 - 1, 2 ** 40, -(2 ** 40), 'id'];
    const inner = encode(value);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    expect(decode(outer, undefined, 5)).toEqual(value);
  });

  it('short strings that share a length and end bytes each decode as themselves (the recent-strings slots)', () => {
    // Same length, first and last byte: the same slot, so each must be compared, not trusted.
    const words = ['abcz', 'axxz', 'abcz', 'ayyz', 'axxz'];
    for (const word of words) expect(decode(encode([word, word]))).toEqual([word, word]);
  });
});

describe('strictness on untrusted bytes', () => {
  const SAMPLES: Packet[] = [
    [0, 'SENDER', 1500000000, 0, 'hello'],
    { a: [1, -200, 70000, -70000, 2 ** 40, 0.25], b: new Uint8Array(300).fill(7), ['c'.repeat(40)]: { d: null, e: true } },
    'x'.repeat(300),
    [2n ** 63n, -(2n ** 62n), 1.5, false],
  ];

  it.each(SAMPLES.map((value, i) => [i, value] as const))('sample %i truncated at every byte position is refused', (_i, value) => {
    const bytes = encode(value);
    for (let cut = 0; cut < bytes.length; cut++) expectFrameError(bytes.subarray(0, cut), /bad msgpack/);
  });

  it.each(SAMPLES.map((value, i) => [i, value] as const))('sample %i with trailing bytes is refused', (_i, value) => {
    const bytes = encode(value);
    expectFrameError(new Uint8Array([...bytes, 0x00]), /1 bytes left after the value/);
    expectFrameError(new Uint8Array([...bytes, ...bytes]), /bytes left after the value/);
  });

  it('refuses empty input', () => {
    expectFrameError(new Uint8Array(0), /type byte/);
  });

  it.each([
    ['fixext 1', 'd4 01 00'],
    ['fixext 2', 'd5 01 0000'],
    ['fixext 4 (timestamp)', 'd6 ff 00000000'],
    ['fixext 8', 'd7 01 0000000000000000'],
    ['fixext 16', 'd8 01 00000000000000000000000000000000'],
    ['ext 8', 'c7 01 05 00'],
    ['ext 16', 'c8 0001 05 00'],
    ['ext 32', 'c9 00000001 05 00'],
    ['reserved 0xc1', 'c1'],
    ['reserved 0xc1 inside an array', '92 01 c1'],
  ])('refuses %s', (_name, bytes) => {
    expectFrameError(unhex(bytes), /ext or reserved/);
  });

  it.each([
    ['a lone continuation byte', 'a1 80'],
    ['0xff', 'a1 ff'],
    ['a truncated two-byte sequence', 'a1 c3'],
    ['a bad continuation', 'a2 c3 28'],
    ['an overlong "/"', 'a2 c0 af'],
    ['a UTF-16 surrogate', 'a3 ed a0 80'],
    ['a code point above U+10FFFF', 'a4 f4 90 80 80'],
    ['str8', 'd9 02 c3 28'],
    ['a map key', '81 a1 ff 01'],
  ])('refuses a str with invalid UTF-8: %s', (_name, bytes) => {
    expectFrameError(unhex(bytes), /UTF-8/);
  });

  it('a bin holding invalid UTF-8 is fine, but not as a map key', () => {
    expect(decode(unhex('c4 01 ff'))).toEqual(new Uint8Array([0xff]));
    expectFrameError(unhex('81 c4 01 ff 01'), /bin map key is not valid UTF-8/);
  });

  it.each([
    ['an array', '81 91 01 01'],
    ['a map', '81 80 01'],
    ['a bigint', '81 cf ffffffffffffffff 01'],
  ])('refuses %s as a map key', (_name, bytes) => {
    expectFrameError(unhex(bytes), /map keys/);
  });

  it('a "__proto__" key is an own property and does not change the prototype', () => {
    // {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}
    const crafted = unhex(
      '82 a9 5f5f70726f746f5f5f 81 a8 706f6c6c75746564 01' +
        ' ab 636f6e7374727563746f72 81 a9 70726f746f74797065 81 a8 706f6c6c75746564 02',
    );
    const value = decode(crafted) as Record<string, Packet>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 1 });
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
    // Re-encoding gives the same bytes, so such a map relays unchanged.
    expect(hex(encode(value))).toBe(hex(crafted));
    // The nested map of a "__proto__" key is a plain object too.
    const nested = Object.getOwnPropertyDescriptor(value, '__proto__')?.value as object;
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
  });

  it('a duplicated key keeps the last value', () => {
    expect(decode(unhex('82 a161 01 a161 02'))).toEqual({ a: 2 });
  });

  // The message names the count, so it is the up-front check that refused, not a later read.
  it.each([
    ['array32 of 2^32-1 items', 'dd ffffffff', /an array of 4294967295 items needs 4294967295 bytes but only 0 remain/],
    ['array32 of 2^31 items with a few bytes', 'dd 80000000 01 02 03', /an array of 2147483648 items needs 2147483648 bytes but only 3 remain/],
    ['array16 of 65535 items', 'dc ffff 00 00', /an array of 65535 items needs/],
    ['fixarray of 15 items', '9f 01 02', /an array of 15 items needs 15 bytes but only 2 remain/],
    ['map32 of 2^32-1 entries', 'df ffffffff', /a map of 4294967295 entries needs 8589934590 bytes/],
    ['map32 of 2^31 entries with a few bytes', 'df 80000000 a161 01', /a map of 2147483648 entries needs/],
    ['map16 of 3 entries with 5 bytes', 'de 0003 01 01 01 01 01', /a map of 3 entries needs 6 bytes but only 5 remain/],
    ['str32 of 4 GiB', 'db ffffffff 61', /a str needs 4294967295 bytes but only 1 remain/],
    ['bin32 of 4 GiB', 'c6 ffffffff 00', /a bin needs 4294967295 bytes but only 1 remain/],
    ['bin16 longer than the input', 'c5 0100 00', /a bin needs 256 bytes but only 1 remain/],
    ['a nested array32', '93 01 02 dd ffffffff', /an array of 4294967295 items needs/],
  ])('refuses a count larger than the input at once: %s', (_name, bytes, message) => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    expectFrameError(unhex(bytes), message);
    expect(performance.now() - started).toBeLessThan(1000); // generous: a 2^32 allocation would not be
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024);
  });

  it('a count the input can hold is read (a million one-byte items)', () => {
    const bytes = new Uint8Array(5 + 1_000_000);
    bytes.set(unhex('dd 000f4240'));
    expect((decode(bytes) as Packet[]).length).toBe(1_000_000);
  });

  it.each([
    ['arrays', (n: number) => new Uint8Array([...fill(n, 0x91), 0xc0])],
    ['maps', (n: number) => new Uint8Array([...new Uint8Array(2 * n).map((_, i) => (i % 2 ? 0xa0 : 0x81)), 0xc0])],
    ['array16s', (n: number) => new Uint8Array([...new Uint8Array(3 * n).map((_, i) => [0xdc, 0, 1][i % 3]!), 0xc0])],
  ])('a depth bomb of 100k nested %s is a FrameError, not a stack overflow', (_name, build) => {
    const bytes = build(100_000);
    const error = expectFrameError(bytes, /nested more than \d+ levels/);
    expect(error).not.toBeInstanceOf(RangeError);
  });

  it('ordinary nesting (100 levels) is read', () => {
    let value: Packet = 'leaf';
    for (let i = 0; i < 100; i++) value = i % 2 ? [value] : { k: value };
    expect(decode(encode(value))).toEqual(value);
  });
});

describe('decoding cost bounded by size', () => {
  /** An array32 of `n` copies of `item` (one byte each: 0x80 is an empty map, 0x90 an empty array). */
  const flood = (n: number, item: number): Uint8Array => {
    const bytes = new Uint8Array(5 + n).fill(item);
    bytes[0] = 0xdd;
    new DataView(bytes.buffer).setUint32(1, n);
    return bytes;
  };

  it.each([
    ['empty maps', 0x80],
    ['empty arrays', 0x90],
  ])('refuses a megabyte of %s with DecodeCostError (a FrameError), before building them all', (_name, item) => {
    const before = process.memoryUsage().heapUsed;
    const error = (() => {
      try {
        decode(flood(1 << 20, item));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DecodeCostError);
    expect(error).toBeInstanceOf(FrameError);
    // a million empty maps would be some 60 MiB of heap; the refusal comes after about 16 MiB of it
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('refuses 16 MiB of empty maps within the absolute cap, however large the frame', () => {
    expect(() => decode(flood(16 * 1024 * 1024 - 5, 0x80))).toThrow(DecodeCostError);
  });

  it('takes honest shapes of any size: ints, tiny strings, records of a few fields, big bins', () => {
    // compared as JSON / by length: vitest's deep equality is slow on a million elements
    const ints = Array.from({ length: 1 << 20 }, (_, i) => i % 100);
    expect(JSON.stringify(decode(encode(ints)))).toBe(JSON.stringify(ints));
    const strings = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(97 + (i % 26)));
    expect(JSON.stringify(decode(encode(strings)))).toBe(JSON.stringify(strings));
    const records = Array.from({ length: 50_000 }, (_, i) => [`key-${i}`, { value: i, owner: 'QmSomeone' }, 'QmSomeone', 1_700_000_000]);
    expect(JSON.stringify(decode(encode(records)))).toBe(JSON.stringify(records));
    const big = new Uint8Array(8 * 1024 * 1024).fill(7);
    const [decoded] = decode(encode([big])) as [Uint8Array];
    expect(Buffer.compare(decoded, big)).toBe(0);
  });

  it('a caller can raise the bound', () => {
    expect((decode(flood(100_000, 0x80), { costPerByte: 100, maxCost: 1e9 }) as unknown[]).length).toBe(100_000);
  });
});
