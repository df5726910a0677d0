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
 *       retrieve []                        find: who is responsible (for join and finger repair)
 *       retrieve [key (bin)]               get
 *       retrieve [key (bin), 'replica']    get from a replica: answered from the receiver's shard,
 *                                          never routed on (a reader bypassing a bad answer)
 *       retrieve [from (int), 'pull']      pull (from, position]: a storing node whose range grew
 *                                          asks its successors for their copies of the range it
 *                                          gained; answered from the receiver's shard with
 *                                          handoff records (none when it holds none), never routed
 *       store    [key, record, base | nil] set (record with a value) or delete (without)
 *     The record is the writer's, signed (records below, PROTOCOL.md §14.18): the writer chose
 *     its version. base (int) makes the write conditional: it is made only if the live value held
 *     has that version (0: no live value), which is how applyDelta merges without losing a write.
 *
 *   answer  = [0x0D retrieved, request id, hops, responder entry, status, value | nil, proof | nil]
 *     Passed back along the reverse path. status 'ok' | 'absent' | 'quota' (the write
 *     would take its writer past its quota, or the node past its bound on all writers) |
 *     'stale' (the node holds the key at the write's version or later, or not at its base).
 *     value: get → the record; set/delete → [version, sha256(msgpack(value | nil))] of what was
 *     stored; find → the responder's successor list; quota → 'keys' | 'bytes' | 'stored-keys' |
 *     'stored-bytes'; stale → the version held. proof = [public key, signature]: the
 *     responder's signature of the answer (record-proof.ts), on every answer but find's and
 *     handoff acks. Also acknowledges a handoff, with hops 0.
 *
 *   records = [0x06 notify, kind, ack id | nil, [record, ...]]
 *   record  = [key (bin), version (int), writer (str), proof | nil, value?]
 *     kind 'replica' (the responsible node copies to its successors) or 'handoff' (keys change
 *     hands on a join or leave; an ack id asks for an answer). A record without a value is a
 *     deletion. The higher version wins on merge. proof = [writer's public key (bin 32),
 *     signature (bin 64)] over the record (record-proof.ts); nil only from a node whose records
 *     predate signing, which a node with trust 'strict' refuses.
 */
import { FrameError, RingPositionError } from '../errors.js';
import { parseWireAddress, packetText } from '../mesh/handshake.js';
import type { WireAddress } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import type { Proof } from '../replica/signatures.js';
import { isValidNodeId } from '../wire/node-id.js';
import { bytesEqual, utf8, type Packet } from '../wire/packet.js';
import { positionAllowed } from './ring.js';

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

/**
 * find and get read; set and delete write a signed record; 'replica-get' reads one replica's shard;
 * 'pull' asks a successor for its copies of a range the requester gained.
 */
export type RequestKind = 'find' | 'get' | 'replica-get' | 'pull' | 'set' | 'delete';

export interface ChordRequest {
  kind: RequestKind;
  id: string;
  hops: number;
  final: boolean;
  position: number;
  /** Every kind but find and pull. */
  key: Uint8Array | undefined;
  /** pull: the start of the range (rangeFrom, position] asked for. */
  rangeFrom?: number | undefined;
  /** set and delete: the writer's signed record (a deletion has no value). */
  record?: WireRecord | undefined;
  /** A conditional write: the version of the live value it was based on (0: none). */
  base?: number | undefined;
  /**
   * Never on the wire: our own request goes straight to this node, as the final hop (set when a
   * node that is not the key's answered it: the key's node as we know it is asked instead).
   */
  target?: NodeEntry | undefined;
}

export type AnswerStatus = 'ok' | 'absent' | 'quota' | 'stale';

export interface ChordAnswer {
  id: string;
  hops: number;
  responder: NodeEntry;
  status: AnswerStatus;
  value: Packet | undefined;
  /** The responder's signature of the answer (record-proof.ts); none on find answers and handoff acks. */
  proof: Proof | undefined;
  /** Never on the wire: set by the requester when the record a read answered failed its checks. */
  refused?: boolean;
}

/** One stored item as it travels; `value` undefined is a deletion (tombstone). */
export interface WireRecord {
  key: Uint8Array;
  version: number;
  value: Packet | undefined;
  /** Who wrote it (for the quota); '' for a record kept from before writers were recorded. */
  writer: string;
  /** The writer's signature (record-proof.ts); undefined for a record from before signing. */
  proof: Proof | undefined;
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

/** The mark of a get that a replica answers from its shard. */
const REPLICA_READ = 'replica';
/** The mark of a pull of a range's copies. */
const RANGE_PULL = 'pull';

export function encodeRequest(request: ChordRequest): Packet[] {
  const writes = request.kind === 'set' || request.kind === 'delete';
  const payload: Packet[] = [writes ? flags.store : flags.retrieve, request.id, request.hops, request.final, request.position];
  if (request.key !== undefined) payload.push(request.key);
  if (request.kind === 'replica-get') payload.push(REPLICA_READ);
  if (request.kind === 'pull') payload.push(request.rangeFrom!, RANGE_PULL);
  if (writes) payload.push(encodeRecord(request.record!), request.base ?? null);
  return payload;
}

export function encodeAnswer(answer: ChordAnswer): Packet[] {
  const { id, hops, responder, status, value, proof } = answer;
  return [flags.retrieved, id, hops, encodeEntry(responder), status, value ?? null, proof ? encodeProof(proof) : null];
}

export function encodeRecord(r: WireRecord): Packet {
  const head: Packet[] = [r.key, r.version, r.writer, r.proof ? encodeProof(r.proof) : null];
  return r.value === undefined ? head : [...head, r.value];
}

/** A replica's signed confirmation of a write's copy, as the key's node passes it on in its answer (§14.18). */
export interface ReplicaAck {
  replica: NodeEntry;
  proof: Proof | undefined;
}

/** A write's answer value: what was stored ([version, value hash]) and the replicas' confirmations. */
export function encodeWriteAck(stored: Packet, acks: readonly ReplicaAck[]): Packet {
  return [...(stored as Packet[]), acks.map(({ replica, proof }) => [encodeEntry(replica), proof ? encodeProof(proof) : null])];
}

/**
 * A write's answer value: [version, value hash] (compared by the writer with what it wrote) and
 * the replicas' confirmations; throws FrameError when malformed.
 */
export function decodeWriteAck(value: Packet | undefined, k: number): { stored: Packet; acks: ReplicaAck[] } {
  if (!Array.isArray(value) || value.length !== 3 || !Array.isArray(value[2])) throw new FrameError('bad chord write answer: expected [version, value hash, [[entry, proof], ...]]');
  const acks = value[2].map((ack) => {
    if (!Array.isArray(ack) || ack.length !== 2) throw new FrameError('bad chord replica ack: expected [entry, proof]');
    return { replica: decodeEntry(ack[0], k), proof: decodeProof(ack[1]) };
  });
  return { stored: [value[0]!, value[1]!], acks };
}

function encodeProof(proof: Proof): Packet {
  return [proof.publicKey, proof.signature];
}

export function encodeRecords(records: ChordRecords): Packet[] {
  return [flags.notify, records.kind, records.ackId ?? null, records.records.map(encodeRecord)];
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
  const [flag, rawId, hops, final, position, key, body, base] = payload;
  const id = decodeText(rawId, 'chord request id');
  if (!isCount(hops)) throw new FrameError('bad chord request: hops must be a non-negative integer');
  if (typeof final !== 'boolean') throw new FrameError('bad chord request: final must be a boolean');
  const common = { id, hops, final, position: decodePosition(position, k, 'chord request') };
  const length = payload.length;
  if (flag === flags.retrieve && length === 5) return { kind: 'find', ...common, key: undefined };
  if (flag === flags.retrieve && length === 7 && body === RANGE_PULL) {
    const rangeFrom = decodePosition(key, k, 'chord pull range start');
    if (rangeFrom === common.position) throw new FrameError('bad chord pull: the range must not start where it ends (that would be the whole ring)');
    return { kind: 'pull', ...common, key: undefined, rangeFrom };
  }
  const keyBytes = decodeKey(key);
  if (flag === flags.retrieve && length === 6) return { kind: 'get', ...common, key: keyBytes };
  if (flag === flags.retrieve && length === 7 && body === REPLICA_READ) return { kind: 'replica-get', ...common, key: keyBytes };
  if (flag === flags.store && length === 8) {
    const record = decodeRecord(body);
    if (!bytesEqual(record.key, keyBytes)) throw new FrameError("bad chord request: the record's key is not the request's");
    if (base !== null && !isCount(base)) throw new FrameError('bad chord request: the base version must be a non-negative integer or nil');
    return { kind: record.value === undefined ? 'delete' : 'set', ...common, key: keyBytes, record, base: base ?? undefined };
  }
  throw new FrameError(`bad chord request: sub-flag ${String(flag)} with ${length} items`);
}

const STATUSES: readonly Packet[] = ['ok', 'absent', 'quota', 'stale'];

function decodeAnswer(payload: readonly Packet[], k: number): ChordAnswer {
  const [, rawId, hops, responder, status, value, proof] = payload;
  if (payload.length !== 7) throw new FrameError('bad chord answer: expected 7 items');
  if (!isCount(hops)) throw new FrameError('bad chord answer: hops must be a non-negative integer');
  if (status === undefined || !STATUSES.includes(status)) throw new FrameError(`bad chord answer: unknown status ${JSON.stringify(status)}`);
  return {
    id: decodeText(rawId, 'chord answer id'),
    hops,
    responder: decodeEntry(responder, k),
    status: status as AnswerStatus,
    value: value ?? undefined,
    proof: decodeProof(proof),
  };
}

function decodeRecords(payload: readonly Packet[]): ChordRecords {
  const [, kind, ackId, list] = payload;
  if (payload.length !== 4) throw new FrameError('bad chord records: expected 4 items');
  if (kind !== 'replica' && kind !== 'handoff') throw new FrameError('bad chord records: kind must be replica or handoff');
  if (!Array.isArray(list)) throw new FrameError('bad chord records: the records must be an array');
  return { kind, ackId: ackId === null ? undefined : decodeText(ackId, 'chord ack id'), records: list.map(decodeRecord) };
}

/** A record as records messages, requests and get answers carry it. */
export function decodeRecord(record: Packet | undefined): WireRecord {
  if (!Array.isArray(record) || (record.length !== 4 && record.length !== 5)) {
    throw new FrameError('bad chord record: expected [key, version, writer, proof | nil, value?]');
  }
  const [key, version, writer, proof, value] = record;
  if (!isCount(version)) throw new FrameError('bad chord record: the version must be a non-negative integer');
  // '' = unknown, a record a node kept in its store from before writers were recorded.
  return {
    key: decodeKey(key),
    version,
    writer: writer === '' ? '' : decodeWriter(writer),
    proof: decodeProof(proof),
    value: record.length === 5 ? value : undefined,
  };
}

/** [public key, signature], or nil; sizes are left to verification (a wrong one does not verify). */
function decodeProof(value: Packet | undefined): Proof | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 2 || !(value[0] instanceof Uint8Array) || !(value[1] instanceof Uint8Array)) {
    throw new FrameError('bad chord proof: expected [public key (bin), signature (bin)]');
  }
  return { publicKey: value[0], signature: value[1] };
}

export function decodeEntry(value: Packet | undefined, k: number): NodeEntry {
  if (!Array.isArray(value) || value.length !== 3) throw new FrameError('bad chord entry: expected [id, position, [host, port]]');
  const id = packetText(value[0]);
  if (id === undefined || !isValidNodeId(id)) throw new FrameError('bad chord entry: the node id must be base58');
  const addr = parseWireAddress(value[2]);
  if (!addr) throw new FrameError('bad chord entry: the address must be [host, port]');
  const position = decodePosition(value[1], k, 'chord entry');
  if (!positionAllowed(id, position, k)) throw new RingPositionError(id, position, k);
  return { id, position, addr };
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
