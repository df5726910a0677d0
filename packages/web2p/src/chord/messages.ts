/**
 * ChordSocket's messages, as pure encode/decode functions. All travel as whispers between
 * neighbours (main flag 0x02) and reuse py2p's chord sub-flags (PROTOCOL.md §3.2) with the seed's
 * 2**k design (positions are small integers, not base58 of 2**384 values). Wire format:
 *
 *   entry   = [node id (str), position (int), [host (str), port (int)]]
 *
 *   meta    = [0x05 handshake, state, position | nil, pred entry | nil, [entry, ...], ask (bool),
 *              pred range start (int) | nil]
 *     Seven items, so the mesh's handshake handler (exactly five) leaves it alone. state is py2p's:
 *     '0' = storing (joined), '1' = not storing. A storing node sends its predecessor and successor
 *     list; a node that does not store sends nil and the storing nodes it is connected to, so a
 *     neighbour can find the ring through it (a node that is leaving: its last predecessor and
 *     successors, so its neighbours close the gap at once). ask = true says "I take you for my
 *     successor" (Chord's notify; from a node that does not store: only "tell me where you stand")
 *     and asks for the receiver's meta in return: one stabilization exchange, sent to the
 *     successor every round, and to every neighbour when join() starts. Meta also goes to every new neighbour after
 *     the handshake, and to all neighbours on join and leave.
 *     The pred range start names the range (start, pred] this node handed its predecessor when it
 *     took it: to a joining node, the meta from its successor that names it as predecessor is the
 *     acceptance, and this item is the range it now holds the keys of (nil when not storing or
 *     without a predecessor; the predecessor's own position when it lies further away than the
 *     range the sender holds: an empty range, its keys are elsewhere). Until it knows a predecessor
 *     inside that range, the joiner answers data requests only for it and routes the others on,
 *     rather than answer them from a shard that lacks them.
 *
 *   request = [sub-flag, request id (str), hops (int), final (bool), position (int), ...body]
 *     Routed hop by hop towards the successor of `position` (classic Chord). hops counts the sends
 *     so far; final = the sender found the receiver to be the successor, which must answer.
 *       retrieve []              find: who is responsible (for join and finger repair)
 *       retrieve [key (bin)]     get
 *       store    [key, writer, value]  set
 *       store    [key, writer]         delete (nil is a value, so absence means delete)
 *       delta    [key, writer, {..}]   merge a mapping into the value (PROTOCOL.md §6.4)
 *     writer (str) is the node id of the node whose user wrote: the responsible node and the
 *     replicas count each writer's records against its storage quota (issue 16).
 *
 *   answer  = [0x0D retrieved, request id, hops, responder entry, status, value?]
 *     Passed back along the reverse path. status 'ok' | 'absent' | 'type' (delta on a non-mapping)
 *     | 'quota' (the write would take its writer past its quota on the responsible node).
 *     value: the value (get), the merged mapping (delta), the responder's successor list (find).
 *     Also acknowledges a handoff, with hops 0.
 *
 *   records = [0x06 notify, kind, ack id | nil, [[key (bin), version (int), writer (str), value?], ...]]
 *     kind 'replica' (the responsible node copies to its successors) or 'handoff' (keys change
 *     hands on a join or leave; an ack id asks for an answer). A record without a value is a
 *     deletion. The higher version wins on merge.
 */
import { FrameError } from '../errors.js';
import { parseWireAddress, packetText } from '../mesh/handshake.js';
import type { WireAddress } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import { isMapping } from '../replica/mapping.js';
import { isValidNodeId } from '../wire/node-id.js';
import { utf8, type Packet } from '../wire/packet.js';

/** A storing node as others know it. */
export interface NodeEntry {
  id: string;
  position: number;
  addr: WireAddress;
}

export interface Meta {
  storing: boolean;
  /** Defined when storing. */
  position: number | undefined;
  pred: NodeEntry | undefined;
  /** Successor list (storing) or connected storing nodes (not storing). */
  list: NodeEntry[];
  ask: boolean;
  /** Storing with a predecessor: the start of the range (start, pred] we handed it (see the wire format). */
  predRangeFrom?: number | undefined;
}

export type RequestKind = 'find' | 'get' | 'set' | 'delete' | 'delta';

export interface ChordRequest {
  kind: RequestKind;
  id: string;
  hops: number;
  final: boolean;
  position: number;
  /** Every kind but find. */
  key: Uint8Array | undefined;
  /** set: the value; delta: the mapping. */
  value: Packet | undefined;
  /** set, delete and delta: the node id of the writer, whose quota the record counts against. */
  writer?: string | undefined;
}

export type AnswerStatus = 'ok' | 'absent' | 'type' | 'quota';

export interface ChordAnswer {
  id: string;
  hops: number;
  responder: NodeEntry;
  status: AnswerStatus;
  value: Packet | undefined;
}

/** One stored item as it travels; `value` undefined is a deletion (tombstone). */
export interface WireRecord {
  key: Uint8Array;
  version: number;
  value: Packet | undefined;
  /** Who wrote it (for the quota); '' for a record kept from before writers were recorded. */
  writer: string;
}

export type RecordsKind = 'replica' | 'handoff';

export interface ChordRecords {
  kind: RecordsKind;
  ackId: string | undefined;
  records: WireRecord[];
}

export type ChordMessage =
  | { type: 'meta'; meta: Meta }
  | { type: 'request'; request: ChordRequest }
  | { type: 'answer'; answer: ChordAnswer }
  | { type: 'records'; records: ChordRecords };

const STORING = '0';
const NOT_STORING = '1';
const META_ITEMS = 7;

// ------------------------------------------------------------------ encoding

export function encodeEntry(entry: NodeEntry): Packet {
  return [entry.id, entry.position, [...entry.addr]];
}

export function encodeMeta(meta: Meta): Packet[] {
  return [
    flags.handshake,
    meta.storing ? STORING : NOT_STORING,
    meta.position ?? null,
    meta.pred ? encodeEntry(meta.pred) : null,
    meta.list.map(encodeEntry),
    meta.ask,
    meta.predRangeFrom ?? null,
  ];
}

const requestFlag: Record<RequestKind, number> = {
  find: flags.retrieve,
  get: flags.retrieve,
  set: flags.store,
  delete: flags.store,
  delta: flags.delta,
};

export function encodeRequest(request: ChordRequest): Packet[] {
  const payload: Packet[] = [requestFlag[request.kind], request.id, request.hops, request.final, request.position];
  if (request.key !== undefined) payload.push(request.key);
  if (request.writer !== undefined) payload.push(request.writer);
  if (request.kind === 'set' || request.kind === 'delta') payload.push(request.value ?? null);
  return payload;
}

export function encodeAnswer(answer: ChordAnswer): Packet[] {
  const payload: Packet[] = [flags.retrieved, answer.id, answer.hops, encodeEntry(answer.responder), answer.status];
  if (answer.value !== undefined) payload.push(answer.value);
  return payload;
}

export function encodeRecords(records: ChordRecords): Packet[] {
  return [
    flags.notify,
    records.kind,
    records.ackId ?? null,
    records.records.map((r) => (r.value === undefined ? [r.key, r.version, r.writer] : [r.key, r.version, r.writer, r.value])),
  ];
}

// ------------------------------------------------------------------ decoding

/**
 * The chord message in a payload, or undefined when the sub-flag is not one of chord's. Throws
 * FrameError when it is chord's but malformed (the mesh then drops the peer). `k` bounds positions.
 */
export function decodeChord(payload: readonly Packet[], k: number): ChordMessage | undefined {
  switch (payload[0]) {
    case flags.handshake:
      return { type: 'meta', meta: decodeMeta(payload, k) };
    case flags.retrieve:
    case flags.store:
    case flags.delta:
      return { type: 'request', request: decodeRequest(payload, k) };
    case flags.retrieved:
      return { type: 'answer', answer: decodeAnswer(payload, k) };
    case flags.notify:
      return { type: 'records', records: decodeRecords(payload) };
    default:
      return undefined;
  }
}

function decodeMeta(payload: readonly Packet[], k: number): Meta {
  if (payload.length !== META_ITEMS) {
    throw new FrameError(`bad chord meta: expected ${META_ITEMS} items, got ${payload.length} (a py2p 0.7 peer?)`);
  }
  const [, state, position, pred, list, ask, predRangeFrom] = payload;
  if (state !== STORING && state !== NOT_STORING) throw new FrameError("bad chord meta: state must be '0' or '1'");
  const storing = state === STORING;
  if (storing !== (position !== null)) throw new FrameError('bad chord meta: a position goes with storing, and only then');
  if (!Array.isArray(list)) throw new FrameError('bad chord meta: the node list must be an array');
  if (typeof ask !== 'boolean') throw new FrameError('bad chord meta: ask must be a boolean');
  if (predRangeFrom !== null && pred === null) throw new FrameError('bad chord meta: a range start goes with a predecessor');
  return {
    storing,
    position: position === null ? undefined : decodePosition(position, k, 'chord meta'),
    pred: pred === null ? undefined : decodeEntry(pred, k),
    list: list.map((entry) => decodeEntry(entry, k)),
    ask,
    predRangeFrom: predRangeFrom === null ? undefined : decodePosition(predRangeFrom, k, 'chord meta range start'),
  };
}

function decodeRequest(payload: readonly Packet[], k: number): ChordRequest {
  const [flag, rawId, hops, final, position, key, rawWriter, value] = payload;
  const id = decodeText(rawId, 'chord request id');
  if (!isCount(hops)) throw new FrameError('bad chord request: hops must be a non-negative integer');
  if (typeof final !== 'boolean') throw new FrameError('bad chord request: final must be a boolean');
  const common = { id, hops, final, position: decodePosition(position, k, 'chord request') };
  const length = payload.length;
  const none = { value: undefined, writer: undefined };
  if (flag === flags.retrieve && length === 5) return { kind: 'find', ...common, key: undefined, ...none };
  const keyBytes = decodeKey(key);
  if (flag === flags.retrieve && length === 6) return { kind: 'get', ...common, key: keyBytes, ...none };
  const writer = length >= 7 ? decodeWriter(rawWriter) : undefined;
  if (flag === flags.store && length === 7) return { kind: 'delete', ...common, key: keyBytes, value: undefined, writer };
  if (flag === flags.store && length === 8) return { kind: 'set', ...common, key: keyBytes, value: value!, writer };
  if (flag === flags.delta && length === 8) {
    if (!isMapping(value)) throw new FrameError('bad chord delta: the delta must be a mapping');
    return { kind: 'delta', ...common, key: keyBytes, value, writer };
  }
  throw new FrameError(`bad chord request: sub-flag ${String(flag)} with ${length} items`);
}

function decodeAnswer(payload: readonly Packet[], k: number): ChordAnswer {
  const [, rawId, hops, responder, status, value] = payload;
  if (payload.length !== 5 && payload.length !== 6) throw new FrameError('bad chord answer: expected 5 or 6 items');
  if (!isCount(hops)) throw new FrameError('bad chord answer: hops must be a non-negative integer');
  if (status !== 'ok' && status !== 'absent' && status !== 'type' && status !== 'quota') {
    throw new FrameError(`bad chord answer: unknown status ${JSON.stringify(status)}`);
  }
  return { id: decodeText(rawId, 'chord answer id'), hops, responder: decodeEntry(responder, k), status, value };
}

function decodeRecords(payload: readonly Packet[]): ChordRecords {
  const [, kind, ackId, list] = payload;
  if (payload.length !== 4) throw new FrameError('bad chord records: expected 4 items');
  if (kind !== 'replica' && kind !== 'handoff') throw new FrameError('bad chord records: kind must be replica or handoff');
  if (!Array.isArray(list)) throw new FrameError('bad chord records: the records must be an array');
  const records = list.map((record): WireRecord => {
    if (!Array.isArray(record) || (record.length !== 3 && record.length !== 4)) {
      throw new FrameError('bad chord record: expected [key, version, writer, value?]');
    }
    const [key, version, writer, value] = record;
    if (!isCount(version)) throw new FrameError('bad chord record: the version must be a non-negative integer');
    // '' = unknown, a record a node kept in its store from before writers were recorded.
    return { key: decodeKey(key), version, writer: writer === '' ? '' : decodeWriter(writer), value: record.length === 4 ? value : undefined };
  });
  return { kind, ackId: ackId === null ? undefined : decodeText(ackId, 'chord ack id'), records };
}

export function decodeEntry(value: Packet | undefined, k: number): NodeEntry {
  if (!Array.isArray(value) || value.length !== 3) throw new FrameError('bad chord entry: expected [id, position, [host, port]]');
  const id = packetText(value[0]);
  if (id === undefined || !isValidNodeId(id)) throw new FrameError('bad chord entry: the node id must be base58');
  const addr = parseWireAddress(value[2]);
  if (!addr) throw new FrameError('bad chord entry: the address must be [host, port]');
  return { id, position: decodePosition(value[1], k, 'chord entry'), addr };
}

function decodePosition(value: Packet | undefined, k: number, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** k) {
    throw new FrameError(`bad ${where}: the position must be an integer below 2**${k}`);
  }
  return value;
}

function decodeWriter(value: Packet | undefined): string {
  const id = packetText(value);
  if (id === undefined || !isValidNodeId(id)) throw new FrameError('bad chord message: the writer must be a base58 node id');
  return id;
}

function decodeText(value: Packet | undefined, what: string): string {
  const text = packetText(value);
  if (text === undefined || text.length === 0 || text.length > 128) throw new FrameError(`bad ${what}: expected a short str`);
  return text;
}

/** Keys travel as bin; a str (from a lenient sender) is its UTF-8, as the sockets normalise keys. */
function decodeKey(value: Packet | undefined): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8(value);
  throw new FrameError('bad chord message: the key must be bin or str');
}

function isCount(value: Packet | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
