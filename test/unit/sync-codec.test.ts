import { describe, expect, it } from 'vitest';
import { FrameError } from '../../packages/web2p/src/errors.js';
import { flags } from '../../packages/web2p/src/wire/flags.js';
import { utf8 } from '../../packages/web2p/src/wire/packet.js';
import { keyBytes, keyFromId, keyFromPacket, keyId } from '../../packages/web2p/src/sync/key-codec.js';
import { describeKey, publicKey } from '../../packages/web2p/src/replica/keys.js';
import {
  deltaPayload,
  parseDelta,
  parseStore,
  storePayload,
  syncPayload,
} from '../../packages/web2p/src/sync/messages.js';
import { decodeMsgpack, encodeMsgpack } from '../../packages/web2p/src/wire/index.js';

const ID = '2UsXdCqXfkGj9zHc3yE6v1u4P7nQ8rB5sT2wA9mK4LdN';

describe('key codec', () => {
  it('a string and its UTF-8 bytes are one key', () => {
    expect(keyId(keyBytes('test key'))).toBe(keyId(utf8('test key')));
    expect(keyId(keyBytes('测试'))).toBe(keyId(new Uint8Array([0xe6, 0xb5, 0x8b, 0xe8, 0xaf, 0x95])));
  });

  it('gives keys back as strings when they are UTF-8, as bytes otherwise', () => {
    expect(publicKey(utf8('测试'))).toBe('测试');
    expect(publicKey(new Uint8Array(0))).toBe('');
    expect(publicKey(new Uint8Array([0xff, 0x01]))).toEqual(new Uint8Array([0xff, 0x01]));
    // A leading BOM is part of the key: decoding must not drop it.
    expect(keyId(keyBytes(publicKey(utf8('\uFEFFk')) as string))).toBe(keyId(utf8('\uFEFFk')));
  });

  it('round-trips ids, including the empty key', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([0, 255, 16]), utf8('ключ')]) {
      expect(keyFromId(keyId(bytes))).toEqual(bytes);
    }
    expect(() => keyFromId('abc')).toThrow(TypeError);
    expect(() => keyFromId('zz')).toThrow(TypeError);
  });

  it('accepts str or bin from peers and nothing else', () => {
    expect(keyFromPacket('k')).toEqual(utf8('k'));
    expect(keyFromPacket(utf8('k'))).toEqual(utf8('k'));
    for (const bad of [1, null, ['k'], { k: 1 }, undefined]) expect(keyFromPacket(bad as never)).toBeUndefined();
  });

  it('refuses other key types from callers, and describes keys for errors', () => {
    expect(() => keyBytes(7 as never)).toThrow(TypeError);
    expect(describeKey(utf8('k'))).toBe('k');
    expect(describeKey(new Uint8Array([0xff]))).toBe('0xff');
  });
});

describe('sync messages (§6.2)', () => {
  const key = utf8('k');

  const proof = { publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) };
  const proofItem = [5, proof.publicKey, proof.signature];

  it('encodes signed stores, syncs and deltas with the key as bin (§14.13)', () => {
    expect(storePayload(key, { value: 'v', owner: ID, ts: 5, proof })).toEqual([flags.store, key, 'v', proofItem]);
    expect(storePayload(key, { value: null, owner: ID, ts: 5, proof })).toEqual([flags.store, key, null, proofItem]);
    expect(syncPayload(key, { value: 0, owner: ID, ts: 5 }, true)).toEqual([flags.store, key, 0, ID, 5]);
    expect(syncPayload(key, { value: 0, owner: ID, ts: 5, proof }, true)).toEqual([flags.store, key, 0, ID, 5, proofItem]);
    // py2p would take a six-item store for a broadcast: it gets five
    expect(syncPayload(key, { value: 0, owner: ID, ts: 5, proof }, false)).toEqual([flags.store, key, 0, ID, 5]);
    const deltaProof = { ts: 5, ...proof, record: { publicKey: proof.publicKey, signature: new Uint8Array(64).fill(3) } };
    expect(deltaPayload(key, { a: 1 }, deltaProof)).toEqual([flags.delta, key, { a: 1 }, [...proofItem, new Uint8Array(64).fill(3)]]);
    expect(parseDelta(deltaPayload(key, { a: 1 }, deltaProof))).toEqual({ key, mapping: { a: 1 }, proof: deltaProof });
    // bin on the wire: msgpack 0xc4 (bin 8), not a str
    const bytes = encodeMsgpack(storePayload(key, { value: 'v', owner: ID, ts: 5, proof }));
    expect(bytes[2]).toBe(0xc4);
    expect(decodeMsgpack(bytes)).toEqual([flags.store, key, 'v', proofItem]);
  });

  it('takes a signed record\'s time from its proof, and refuses a sync whose proof is dated otherwise', () => {
    expect(parseStore([flags.store, key, 'v', proofItem], ID, 9).record).toEqual({ value: 'v', owner: ID, ts: 5, proof });
    expect(parseStore([flags.store, key, 'v', ID, 5, proofItem], 'other', 9).record).toEqual({ value: 'v', owner: ID, ts: 5, proof });
    expect(() => parseStore([flags.store, key, 'v', ID, 6, proofItem], 'other', 9)).toThrow(FrameError);
    for (const bad of [[5, proof.publicKey], [5, new Uint8Array(31), proof.signature], [-1, proof.publicKey, proof.signature], 'x']) {
      expect(() => parseStore([flags.store, key, 'v', bad as never], ID, 9)).toThrow(FrameError);
    }
  });

  it('takes a broadcast store\'s metadata from the message, a sync\'s from its items', () => {
    expect(parseStore([flags.store, 'k', 'v'], ID, 9)).toEqual({ key, record: { value: 'v', owner: ID, ts: 9 }, carriesMeta: false });
    expect(parseStore([flags.store, key, null, utf8(ID), 4], 'other', 9)).toEqual({
      key,
      record: { value: null, owner: ID, ts: 4, ownerBin: true },
      carriesMeta: true,
    });
  });

  it('keeps the msgpack type of the owner id, and sends it back in that type (py2p compares by type)', () => {
    const fromPy2p = parseStore([flags.store, 'k', 'v'], ID, 9, true).record;
    expect(fromPy2p).toEqual({ value: 'v', owner: ID, ts: 9, ownerBin: true });
    expect(syncPayload(key, fromPy2p, false)[3]).toEqual(utf8(ID));
    const fromJs2p = parseStore([flags.store, key, 'v', ID, 4], 'other', 9).record;
    expect(fromJs2p).toEqual({ value: 'v', owner: ID, ts: 4 });
    expect(syncPayload(key, fromJs2p, false)[3]).toBe(ID);
  });

  it.each([
    ['too short', [flags.store, 'k']],
    ['a numeric key', [flags.store, 5, 'v']],
    ['an owner that is not an id', [flags.store, 'k', 'v', 'not base58: 0OIl', 4]],
    ['an owner that is a number', [flags.store, 'k', 'v', 12, 4]],
    ['a fractional timestamp', [flags.store, 'k', 'v', ID, 1.5]],
    ['a negative timestamp', [flags.store, 'k', 'v', ID, -1]],
  ])('refuses a store with %s', (_label, payload) => {
    expect(() => parseStore(payload as never, ID, 1)).toThrow(FrameError);
  });

  it('parses deltas and refuses ones that are not mappings', () => {
    expect(parseDelta([flags.delta, 'k', { a: 1 }])).toEqual({ key, mapping: { a: 1 } });
    for (const bad of [[1], null, 'x', utf8('x')]) expect(() => parseDelta([flags.delta, 'k', bad as never])).toThrow(FrameError);
    expect(() => parseDelta([flags.delta, 'k'])).toThrow(FrameError);
  });
});
