/** The chord message codec (packages/web2p/src/chord/messages.ts): round trips and rejections. */
import { describe, expect, it } from 'vitest';
import { FrameError, flags, type Packet } from '../../packages/web2p/src/index.js';
import { decodeMsgpack, encodeMsgpack } from '../../packages/web2p/src/wire/index.js';
import {
  decodeChord,
  decodeWriteAck,
  encodeAnswer,
  encodeMeta,
  encodeRecords,
  encodeRequest,
  encodeWriteAck,
  type ChordRequest,
  type NodeEntry,
  type WireRecord,
} from '../../packages/web2p/src/chord/messages.js';
import { idPosition, positionWindow } from '../../packages/web2p/src/chord/ring.js';

const K = 8;
/** Entries stand where their ids allow (PROTOCOL.md §14.18): a's derived position, b one probe on. */
const a: NodeEntry = { id: '5Hk3xT', position: idPosition('5Hk3xT', K), addr: ['sim', 3] };
const b: NodeEntry = { id: '9zQmPw', position: (idPosition('9zQmPw', K) + 1) % 256, addr: ['example.org', 4444] };
const key = new TextEncoder().encode('test key');
const proof = { publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) };

/** Through msgpack and back, as a payload travels. */
function wire(payload: Packet[]): Packet[] {
  return decodeMsgpack(encodeMsgpack(payload)) as Packet[];
}

/** A writer's node id (base58, as decoding checks). */
const writer = '5Hk3xTwriter';

function record(value: WireRecord['value'], extra: Partial<WireRecord> = {}): WireRecord {
  return { key, version: 1_704_067_200_123, writer, proof, value, ...extra };
}

function request(kind: ChordRequest['kind'], extra: Partial<ChordRequest> = {}): ChordRequest {
  const writes = kind === 'set' || kind === 'delete';
  const base: ChordRequest = { kind, id: 'req1', hops: 2, final: false, position: 42, key: kind === 'find' ? undefined : key };
  return { ...base, ...(writes ? { record: record(kind === 'set' ? 'v' : undefined), base: undefined } : {}), ...extra };
}

describe('round trips', () => {
  it('meta of a storing node: seven items, never taken for a mesh handshake, naming the range its predecessor was handed', () => {
    const meta = { storing: true, position: a.position, pred: b, list: [b, a], ask: true, predRangeFrom: 150 };
    const payload = encodeMeta(meta);
    expect(payload).toHaveLength(7);
    expect(payload[6]).toBe(150);
    expect(payload.slice(0, 3)).toEqual([flags.handshake, '0', a.position]);
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
    ['replica-get', flags.retrieve, 7],
    ['delete', flags.store, 8],
    ['set', flags.store, 8],
  ] as const)('%s request uses sub-flag %i with %i items', (kind, flag, items) => {
    const original = request(kind);
    const payload = encodeRequest(original);
    expect(payload[0]).toBe(flag);
    expect(payload).toHaveLength(items);
    expect(decodeChord(wire(payload), K)).toEqual({ type: 'request', request: original });
  });

  it('pull request: the range start, then its mark, with no key', () => {
    const original = request('pull', { key: undefined, rangeFrom: 200, final: true });
    const payload = encodeRequest(original);
    expect(payload).toEqual([flags.retrieve, 'req1', 2, true, 42, 200, 'pull']);
    expect(decodeChord(wire(payload), K)).toEqual({ type: 'request', request: original });
  });

  it('a set of null keeps the null value (absence, not nil, means delete); a conditional write keeps its base', () => {
    const original = request('set', { record: record(null), base: 17 });
    expect(decodeChord(wire(encodeRequest(original)), K)).toEqual({ type: 'request', request: original });
  });

  it('answers, with and without a value and a proof', () => {
    for (const answer of [
      { id: 'r', hops: 3, responder: a, status: 'ok' as const, value: { merged: true }, proof },
      { id: 'r', hops: 0, responder: b, status: 'absent' as const, value: undefined, proof: undefined },
      { id: 'r', hops: 1, responder: b, status: 'stale' as const, value: 12, proof },
    ]) {
      expect(decodeChord(wire(encodeAnswer(answer)), K)).toEqual({ type: 'answer', answer });
    }
  });

  it('records: values, deletions, ack ids', () => {
    const records = {
      kind: 'handoff' as const,
      ackId: 'ack9',
      records: [
        record('v'),
        { key: new Uint8Array([0, 255]), version: 7, value: undefined, writer: '', proof: undefined },
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
    ['entry at a position its id does not allow', [flags.handshake, '0', 1, null, [[a.id, (a.position + positionWindow(K)) % 256, ['sim', 1]]], false, null]],
    ['entry with a bad id', [flags.handshake, '0', 1, ['not base58 0OIl', 1, ['sim', 1]], [], false, null]],
    ['entry with a bad address', [flags.handshake, '0', 1, null, [['5Hk3xT', 1, ['sim']]], false, null]],
    ['meta with a range start but no predecessor', [flags.handshake, '0', 1, null, [], false, 0]],
    ['meta with a range start outside the ring', [flags.handshake, '0', 1, [a.id, a.position, ['sim', 1]], [], false, 256]],
    ['six-item meta (before range starts)', [flags.handshake, '0', 1, null, [], false]],
    ['request with negative hops', [flags.retrieve, 'r', -1, false, 5]],
    ['request with a fractional position', [flags.retrieve, 'r', 0, false, 5.5]],
    ['request with a numeric key', [flags.retrieve, 'r', 0, false, 5, 12]],
    ['store with too many items', [flags.store, 'r', 0, false, 5, 'k', ['k', 1, writer, null, 'v'], null, 'extra']],
    ['store whose record is for another key', [flags.store, 'r', 0, false, 5, 'k', ['other', 1, writer, null, 'v'], null]],
    ['store with a fractional base', [flags.store, 'r', 0, false, 5, 'k', ['k', 1, writer, null, 'v'], 1.5]],
    ['write whose writer is not a node id', [flags.store, 'r', 0, false, 5, 'k', ['k', 1, 12, null, 'v'], null]],
    ['get with an unknown mark', [flags.retrieve, 'r', 0, false, 5, 'k', 'everyone']],
    ['pull whose range start is not a position', [flags.retrieve, 'r', 0, true, 5, 256, 'pull']],
    ['pull of the whole ring (its range starts where it ends)', [flags.retrieve, 'r', 0, true, 5, 5, 'pull']],
    ['answer with an unknown status', [flags.retrieved, 'r', 0, [a.id, a.position, ['sim', 1]], 'maybe', null, null]],
    ['answer without its proof item (before signing)', [flags.retrieved, 'r', 0, [a.id, a.position, ['sim', 1]], 'ok']],
    ['answer with a malformed proof', [flags.retrieved, 'r', 0, [a.id, a.position, ['sim', 1]], 'ok', null, ['key']]],
    ['records of an unknown kind', [flags.notify, 'gossip', null, []]],
    ['record without a version', [flags.notify, 'replica', null, [['k']]]],
    ['record without a writer (before quotas)', [flags.notify, 'replica', null, [['k', 1]]]],
    ['record without a proof item (before signing)', [flags.notify, 'replica', null, [['k', 1, writer]]]],
    ['record whose writer is not a node id', [flags.notify, 'replica', null, [['k', 1, 'not base58 0OIl', null, 'v']]]],
    ['py2p notify of a key', [flags.notify, 'some key']],
  ])('%s', (_, payload) => {
    expect(() => decodeChord(payload, K)).toThrow(FrameError);
  });
});

describe("a write's acknowledgement value (PROTOCOL.md §14.18)", () => {
  const stored: Packet = [1_704_067_200_123, new Uint8Array(32).fill(3)];

  it('carries what was stored and the replicas\' confirmations, through msgpack and back', () => {
    const acks = [{ replica: a, proof }, { replica: b, proof: undefined }];
    const [value] = wire([encodeWriteAck(stored, acks)]);
    expect(decodeWriteAck(value, K)).toEqual({ stored, acks });
  });

  it.each<[string, Packet]>([
    ['the bare [version, hash] of earlier builds', stored],
    ['confirmations that are not a list', [...(stored as Packet[]), 'all']],
    ['a confirmation without its proof item', [...(stored as Packet[]), [[[a.id, a.position, ['sim', 3]]]]]],
    ['a confirmation at a position its id does not allow', [...(stored as Packet[]), [[[a.id, (a.position + positionWindow(K)) % 256, ['sim', 3]], null]]]],
  ])('is malformed with %s', (_, value) => {
    expect(() => decodeWriteAck(value, K)).toThrow(FrameError);
  });
});
