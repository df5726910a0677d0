/** The chord message codec (packages/web2p/src/chord/messages.ts): round trips and rejections. */
import { describe, expect, it } from 'vitest';
import { FrameError, flags, type Packet } from '../../packages/web2p/src/index.js';
import { decodeMsgpack, encodeMsgpack } from '../../packages/web2p/src/wire/index.js';
import {
  decodeChord,
  encodeAnswer,
  encodeMeta,
  encodeRecords,
  encodeRequest,
  type ChordRequest,
  type NodeEntry,
} from '../../packages/web2p/src/chord/messages.js';

const K = 8;
const a: NodeEntry = { id: '5Hk3xT', position: 17, addr: ['sim', 3] };
const b: NodeEntry = { id: '9zQmPw', position: 200, addr: ['example.org', 4444] };
const key = new TextEncoder().encode('test key');

/** Through msgpack and back, as a payload travels. */
function wire(payload: Packet[]): Packet[] {
  return decodeMsgpack(encodeMsgpack(payload)) as Packet[];
}

/** A writer's node id (base58, as decoding checks). */
const writer = '5Hk3xTwriter';

function request(kind: ChordRequest['kind'], extra: Partial<ChordRequest> = {}): ChordRequest {
  const reads = kind === 'find' || kind === 'get';
  return { kind, id: 'req1', hops: 2, final: false, position: 42, key: kind === 'find' ? undefined : key, value: undefined, writer: reads ? undefined : writer, ...extra };
}

describe('round trips', () => {
  it('meta of a storing node: seven items, never taken for a mesh handshake, naming the range its predecessor was handed', () => {
    const meta = { storing: true, position: 17, pred: b, list: [b, a], ask: true, predRangeFrom: 150 };
    const payload = encodeMeta(meta);
    expect(payload).toHaveLength(7);
    expect(payload[6]).toBe(150);
    expect(payload.slice(0, 3)).toEqual([flags.handshake, '0', 17]);
    expect(decodeChord(wire(payload), K)).toEqual({ type: 'meta', meta });
  });

  it('meta of a node that does not store', () => {
    const meta = { storing: false, position: undefined, pred: undefined, list: [a], ask: false };
    expect(encodeMeta(meta).slice(0, 4)).toEqual([flags.handshake, '1', null, null]);
    expect(decodeChord(wire(encodeMeta(meta)), K)).toEqual({ type: 'meta', meta });
  });

  it.each([
    ['find', flags.retrieve, 5],
    ['get', flags.retrieve, 6],
    ['delete', flags.store, 7],
    ['set', flags.store, 8],
    ['delta', flags.delta, 8],
  ] as const)('%s request uses sub-flag %i with %i items', (kind, flag, items) => {
    const value = kind === 'set' ? [1, 'two', null] : kind === 'delta' ? { x: 1 } : undefined;
    const original = request(kind, { value });
    const payload = encodeRequest(original);
    expect(payload[0]).toBe(flag);
    expect(payload).toHaveLength(items);
    expect(decodeChord(wire(payload), K)).toEqual({ type: 'request', request: original });
  });

  it('a set of null keeps the null value (absence, not nil, means delete)', () => {
    const original = request('set', { value: null });
    expect(decodeChord(wire(encodeRequest(original)), K)).toEqual({ type: 'request', request: original });
  });

  it('answers, with and without a value', () => {
    for (const answer of [
      { id: 'r', hops: 3, responder: a, status: 'ok' as const, value: { merged: true } },
      { id: 'r', hops: 0, responder: b, status: 'absent' as const, value: undefined },
    ]) {
      expect(decodeChord(wire(encodeAnswer(answer)), K)).toEqual({ type: 'answer', answer });
    }
  });

  it('records: values, deletions, ack ids', () => {
    const records = {
      kind: 'handoff' as const,
      ackId: 'ack9',
      records: [
        { key, version: 1_704_067_200_123, value: 'v', writer },
        { key: new Uint8Array([0, 255]), version: 7, value: undefined, writer: '' },
      ],
    };
    expect(decodeChord(wire(encodeRecords(records)), K)).toEqual({ type: 'records', records });
    const replica = { kind: 'replica' as const, ackId: undefined, records: [] };
    expect(decodeChord(wire(encodeRecords(replica)), K)).toEqual({ type: 'records', records: replica });
  });

  it('a str key is taken as its UTF-8 bytes', () => {
    const payload = [flags.retrieve, 'r', 0, false, 5, 'test key'];
    expect(decodeChord(payload, K)).toMatchObject({ request: { kind: 'get', key } });
  });

  it('sub-flags that are not chord’s are left to other handlers', () => {
    expect(decodeChord([flags.whisper, 'hello'], K)).toBeUndefined();
    expect(decodeChord([flags.peers, []], K)).toBeUndefined();
  });
});

describe('malformed input throws FrameError (the mesh drops that peer)', () => {
  it.each<[string, Packet[]]>([
    ['py2p 0.7 two-item meta', [flags.handshake, '1']],
    ['meta with a bad state', [flags.handshake, 'x', null, null, [], false, null]],
    ['storing meta without a position', [flags.handshake, '0', null, null, [], false, null]],
    ['position outside the ring', [flags.handshake, '0', 256, null, [], false, null]],
    ['entry with a bad id', [flags.handshake, '0', 1, ['not base58 0OIl', 1, ['sim', 1]], [], false, null]],
    ['entry with a bad address', [flags.handshake, '0', 1, null, [['5Hk3xT', 1, ['sim']]], false, null]],
    ['meta with a range start but no predecessor', [flags.handshake, '0', 1, null, [], false, 0]],
    ['meta with a range start outside the ring', [flags.handshake, '0', 1, ['5Hk3xT', 2, ['sim', 1]], [], false, 256]],
    ['six-item meta (before range starts)', [flags.handshake, '0', 1, null, [], false]],
    ['request with negative hops', [flags.retrieve, 'r', -1, false, 5]],
    ['request with a fractional position', [flags.retrieve, 'r', 0, false, 5.5]],
    ['request with a numeric key', [flags.retrieve, 'r', 0, false, 5, 12]],
    ['delta with a non-mapping', [flags.delta, 'r', 0, false, 5, 'k', writer, [1, 2]]],
    ['store with too many items', [flags.store, 'r', 0, false, 5, 'k', writer, 'v', 'extra']],
    ['write whose writer is not a node id', [flags.store, 'r', 0, false, 5, 'k', 12]],
    ['answer with an unknown status', [flags.retrieved, 'r', 0, ['5Hk3xT', 1, ['sim', 1]], 'maybe']],
    ['records of an unknown kind', [flags.notify, 'gossip', null, []]],
    ['record without a version', [flags.notify, 'replica', null, [['k']]]],
    ['record without a writer (before quotas)', [flags.notify, 'replica', null, [['k', 1]]]],
    ['record whose writer is not a node id', [flags.notify, 'replica', null, [['k', 1, 'not base58 0OIl', 'v']]]],
    ['py2p notify of a key', [flags.notify, 'some key']],
  ])('%s', (_, payload) => {
    expect(() => decodeChord(payload, K)).toThrow(FrameError);
  });
});
