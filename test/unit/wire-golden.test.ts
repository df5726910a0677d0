/**
 * The wire codec against the golden vectors of PROTOCOL.md §1.1 (bytes produced by js2p@0.7.870),
 * the protocol-id table and formula of §2.2, and base58 of §2.5 (acceptance list §10.3 items 1–2).
 * Expected values are computed here with node:crypto and a BigInt base58 of the test's own, never
 * with the library's helpers.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../packages/web2p/src/wire/frame.js';
import { createMessage } from '../../packages/web2p/src/wire/message.js';
import { encode } from '../../packages/web2p/src/wire/msgpack.js';
import { Protocol } from '../../packages/web2p/src/wire/protocol.js';
import { fromBase58, toBase58 } from '../../packages/web2p/src/wire/base58.js';
import type { Packet } from '../../packages/web2p/src/wire/packet.js';
import { seeded, hex, unhex, sha256 } from './wire-test-helpers.js';

type JsonPacket = string | number | JsonPacket[];
interface GoldenFrame {
  name: string;
  packets: JsonPacket[];
  frame_hex: string;
  id_hex: string;
}

// A copy of shared/spec/golden-vectors.json kept in the repo, so the test runs wherever the repo is
// checked out; the last test below checks the copy against the spec file when that file is present.
const GOLDEN = JSON.parse(readFileSync(new URL('../fixtures/golden-vectors.json', import.meta.url), 'utf8')) as {
  frames: GoldenFrame[];
  protocol_ids: Record<string, string>;
  base58_integers: Record<string, string>;
};
const SPEC_FILE = fileURLToPath(new URL('../../../shared/spec/golden-vectors.json', import.meta.url));

/** The golden JSON's packets as values: `'bin:HEX'` is a Uint8Array, the rest is as written. */
function fromJson(value: JsonPacket): Packet {
  if (typeof value === 'string') return value.startsWith('bin:') ? unhex(value.slice(4)) : value;
  if (Array.isArray(value)) return value.map(fromJson);
  return value;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Reference base58 of an integer (§2.5): repeated divmod by 58, most significant digit first. */
function refBase58(value: bigint): string {
  if (value === 0n) return '1';
  let out = '';
  for (let n = value; n > 0n; n /= 58n) out = ALPHABET[Number(n % 58n)]! + out;
  return out;
}

/** Reference protocol id (§2.2): base58(int(sha256_hex(subnet + encryption + "0.7"))). */
function refProtocolId(subnet: string, encryption: string): string {
  const digest = createHash('sha256').update(`${subnet}${encryption}0.7`, 'utf8').digest('hex');
  return refBase58(BigInt(`0x${digest}`));
}

function randomBigInt(next: () => number, bits: number): bigint {
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(Math.floor(next() * 0x10000));
  return value & ((1n << BigInt(bits)) - 1n);
}

/** Random text mixing ASCII, accents, CJK and astral characters, so UTF-8 matters. */
function randomText(next: () => number, maxLength: number): string {
  const pools = ['abcXYZ019-_ ', 'éüßñ', '测试成功', '😀🚀𝄞'];
  let out = '';
  const length = Math.floor(next() * (maxLength + 1));
  for (let i = 0; i < length; i++) {
    const pool = [...pools[Math.floor(next() * pools.length)]!];
    out += pool[Math.floor(next() * pool.length)]!;
  }
  return out;
}

describe('golden frames (PROTOCOL.md §1.1, bytes js2p@0.7.870 produced)', () => {
  it.each(GOLDEN.frames.map((f) => [f.name, f] as const))('%s: encodes byte for byte', (_name, vector) => {
    const packets = vector.packets.map(fromJson);
    const [type, sender, time, ...payload] = packets;
    const message = createMessage(type as number, sender as string, time as number, payload);
    expect(hex(encodeFrame(message))).toBe(vector.frame_hex);
    expect(hex(message.id)).toBe(vector.id_hex);
    expect(message.idHex).toBe(vector.id_hex);
    // The body is the msgpack of the packets, and the id its SHA-256 (checked with node:crypto).
    expect(hex(message.body)).toBe(vector.frame_hex.slice(2 * (4 + 32)));
    expect(hex(sha256(message.body))).toBe(vector.id_hex);
    expect(message.body).toEqual(encode(packets));
  });

  it.each(GOLDEN.frames.map((f) => [f.name, f] as const))('%s: decodes to the same packets and id', (_name, vector) => {
    const frame = unhex(vector.frame_hex);
    const message = decodeFrame(frame);
    expect(message.packets).toEqual(vector.packets.map(fromJson));
    expect(hex(message.id)).toBe(vector.id_hex);
    expect(message.type).toBe(vector.packets[0]);
    expect(message.sender).toBe(vector.packets[1]);
    expect(message.time).toBe(vector.packets[2]);
    // The received bytes are kept as they came (§1.2 step 6), so a relay re-sends the same frame.
    expect(hex(message.body)).toBe(vector.frame_hex.slice(2 * (4 + 32)));
    expect(hex(encodeFrame(message))).toBe(vector.frame_hex);
    // A peer that advertised compression may still send uncompressed frames (§1.2 step 3).
    expect(hex(decodeFrame(frame, [0x13, 0x11]).id)).toBe(vector.id_hex);
  });

  it('the header counts the body: id (32 bytes) + msgpack', () => {
    for (const vector of GOLDEN.frames) {
      const frame = unhex(vector.frame_hex);
      expect(new DataView(frame.buffer).getUint32(0)).toBe(frame.length - 4);
    }
  });

  it('a py2p-style sender (msgpack bin) decodes to the same sender string, under its own id', () => {
    const packets: Packet[] = [0, new TextEncoder().encode('SENDER'), 1500000000, 0, 'hello'];
    const body = encode(packets);
    const frame = new Uint8Array([0, 0, 0, 32 + body.length, ...sha256(body), ...body]);
    const message = decodeFrame(frame);
    expect(message.sender).toBe('SENDER');
    expect(hex(message.id)).toBe(hex(sha256(body)));
    expect(hex(message.id)).not.toBe(GOLDEN.frames[0]!.id_hex);
    expect(hex(encodeFrame(message))).toBe(hex(frame));
  });

  it('id == sha256(body) for random messages (node:crypto)', () => {
    const next = seeded(0x601d);
    for (let round = 0; round < 300; round++) {
      const payload: Packet[] = [Math.floor(next() * 0x30)];
      const items = Math.floor(next() * 10);
      for (let i = 0; i < items; i++) {
        payload.push(next() < 0.5 ? randomText(next, 40) : new Uint8Array(Math.floor(next() * 36)).map(() => next() * 256));
      }
      const message = createMessage(Math.floor(next() * 3), refBase58(randomBigInt(next, 384)), 1_700_000_000 + round, payload);
      expect(hex(message.id)).toBe(hex(sha256(message.body)));
      const frame = encodeFrame(message);
      expect(hex(frame.subarray(4, 36))).toBe(hex(message.id));
    }
  });

  it.skipIf(!existsSync(SPEC_FILE))('the in-repo copy matches the spec file', () => {
    const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as typeof GOLDEN;
    expect(spec.frames).toEqual(GOLDEN.frames);
    expect(spec.protocol_ids).toEqual(GOLDEN.protocol_ids);
    expect(spec.base58_integers).toEqual(GOLDEN.base58_integers);
  });
});

describe('protocol id (PROTOCOL.md §2.2)', () => {
  it.each(Object.entries(GOLDEN.protocol_ids))('Protocol(%j) has the id js2p computes', (key, id) => {
    const [subnet, encryption] = key.split('/') as [string, string];
    const protocol = new Protocol(subnet, encryption);
    expect(protocol.id).toBe(id);
    expect(protocol.subnet).toBe(subnet);
    expect(protocol.encryption).toBe(encryption);
    expect(refProtocolId(subnet, encryption)).toBe(id); // the reference formula agrees with js2p
  });

  it('the encryption defaults to Plaintext', () => {
    expect(new Protocol('mesh').id).toBe(GOLDEN.protocol_ids['mesh/Plaintext']);
    expect(new Protocol('').id).toBe(GOLDEN.protocol_ids['/Plaintext']);
  });

  it('matches the formula for 200 random subnets and encryptions', () => {
    const next = seeded(0x5ab);
    for (let round = 0; round < 200; round++) {
      const subnet = round % 2 ? crypto.randomUUID() : randomText(next, 24);
      const encryption = ['Plaintext', 'SSL', randomText(next, 8)][round % 3]!;
      expect(new Protocol(subnet, encryption).id, `${JSON.stringify([subnet, encryption])}`).toBe(
        refProtocolId(subnet, encryption),
      );
    }
  });

  it('a different subnet or encryption gives a different id; the parts are joined without separators', () => {
    const ids = new Set(['mesh/Plaintext', 'mesh/SSL', 'mesh1/Plaintext', '/mesh'].map((k) => new Protocol(...(k.split('/') as [string, string])).id));
    expect(ids.size).toBe(4);
    expect(new Protocol('mes', 'hPlaintext').id).toBe(new Protocol('mesh', 'Plaintext').id);
  });
});

describe('base58 of integers (PROTOCOL.md §2.5)', () => {
  it.each(Object.entries(GOLDEN.base58_integers))('toBase58(%s) = %j', (value, text) => {
    expect(toBase58(Number(value))).toBe(text);
    expect(toBase58(BigInt(value))).toBe(text);
    expect(fromBase58(text)).toBe(BigInt(value));
    expect(refBase58(BigInt(value))).toBe(text);
  });

  it.each([
    [1n, '2'],
    [58n * 58n - 1n, 'zz'],
    [58n * 58n, '211'],
    [255n, '5Q'],
    [256n, '5R'],
    [2n ** 64n - 1n, refBase58(2n ** 64n - 1n)],
    [2n ** 384n - 1n, refBase58(2n ** 384n - 1n)],
  ])('edges: %s', (value, text) => {
    expect(toBase58(value)).toBe(text);
    expect(fromBase58(text)).toBe(value);
  });

  it('round-trips 500 random ints below 1e9 (js2p test_base)', () => {
    const next = seeded(58);
    for (let i = 0; i < 500; i++) {
      const value = Math.floor(next() * 1e9);
      const text = toBase58(value);
      expect(text).toBe(refBase58(BigInt(value)));
      expect(fromBase58(text)).toBe(BigInt(value));
    }
  });

  it('round-trips 500 random 384-bit integers (node ids, §2.3)', () => {
    const next = seeded(384);
    for (let i = 0; i < 500; i++) {
      // Vary the size so values with leading zero bytes (which bs58 would write as '1's) appear.
      const value = randomBigInt(next, 384) >> BigInt(Math.floor(next() * 384));
      const text = toBase58(value);
      expect(text).toBe(refBase58(value));
      expect(fromBase58(text)).toBe(value);
    }
  });

  it('refuses negative numbers and text outside the alphabet', () => {
    expect(() => toBase58(-1)).toThrow(RangeError);
    expect(() => toBase58(-1n)).toThrow(RangeError);
    for (const text of ['', '0', 'O', 'I', 'l', 'abc+', ' 21']) {
      expect(() => fromBase58(text), JSON.stringify(text)).toThrow(RangeError);
    }
  });
});
