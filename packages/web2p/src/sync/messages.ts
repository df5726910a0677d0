/**
 * The sync messages of PROTOCOL.md §6.2 as pure encode/parse functions:
 *   store   `[store, key, value]`            broadcast; nil value = delete; owner and time are the
 *                                            message's sender and time
 *   sync    `[store, key, value, owner, ts]` whisper to a neighbour, carrying the record's metadata
 *   delta   `[delta, key, {sub-key: value}]` broadcast
 * Keys go out as bin and are accepted as str or bin; an owner id goes out typed as its owner sends
 * its own id (SyncRecord.ownerBin). Malformed input is a FrameError, which drops the peer that sent it.
 */
import { FrameError } from '../errors.js';
import { packetText } from '../mesh/handshake.js';
import type { PeerDialect } from '../mesh/peer-dialect.js';
import { flags } from '../wire/flags.js';
import { isValidNodeId } from '../wire/node-id.js';
import { utf8, type Packet } from '../wire/packet.js';
import { keyFromPacket } from './key-codec.js';
import { isMapping, type Mapping } from '../replica/mapping.js';
import type { SyncRecord } from './merge.js';

export interface StoreMessage {
  readonly key: Uint8Array;
  readonly record: SyncRecord;
  /** A five-item store: the record's own owner and time rather than the message's (§6.4). */
  readonly carriesMeta: boolean;
}

export interface DeltaMessage {
  readonly key: Uint8Array;
  readonly mapping: Mapping;
}

export function storePayload(key: Uint8Array, value: Packet | null): Packet[] {
  return [flags.store, key, value];
}

/** The five-item store, shaped as `conn.send(flag, ...syncPayload(...))` takes it. */
export function syncPayload(key: Uint8Array, record: SyncRecord): [number, Uint8Array, Packet, Packet, number] {
  return [flags.store, key, record.value, record.ownerBin ? utf8(record.owner) : record.owner, record.ts];
}

/**
 * Whether a peer may be sent `record` as a sync. py2p and js2p fail on a nil store for a key they
 * lack (py2p's handler raises KeyError and drops us; §11), so tombstones go to web2p peers only.
 */
export function takesRecord(dialect: PeerDialect, record: SyncRecord): boolean {
  return record.value !== null || dialect.web2p;
}

export function deltaPayload(key: Uint8Array, mapping: Mapping): Packet[] {
  return [flags.delta, key, mapping];
}

/** `payload[0]` must be flags.store; `sender`, `time` and `senderIsBin` are the message's. */
export function parseStore(payload: readonly Packet[], sender: string, time: number, senderIsBin = false): StoreMessage {
  if (payload.length < 3) throw new FrameError('bad sync store: it needs [store, key, value]');
  const key = parseKey(payload[1], 'store');
  const value = payload[2] as Packet;
  if (payload.length !== 5) return { key, record: withOwnerType({ value, owner: sender, ts: time }, senderIsBin), carriesMeta: false };
  const owner = packetText(payload[3]);
  if (owner === undefined || !isValidNodeId(owner)) {
    throw new FrameError('bad sync store: the owner (item 4 of 5) must be a node id as str or bin');
  }
  const ts = payload[4];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new FrameError('bad sync store: the timestamp (item 5 of 5) must be a non-negative integer');
  }
  return { key, record: withOwnerType({ value, owner, ts }, payload[3] instanceof Uint8Array), carriesMeta: true };
}

/** Marks a bin-typed owner only, so that records of str owners stay as they always were. */
function withOwnerType(record: SyncRecord, ownerBin: boolean): SyncRecord {
  return ownerBin ? { ...record, ownerBin } : record;
}

/** `payload[0]` must be flags.delta. */
export function parseDelta(payload: readonly Packet[]): DeltaMessage {
  if (payload.length < 3) throw new FrameError('bad sync delta: it needs [delta, key, mapping]');
  const key = parseKey(payload[1], 'delta');
  const mapping = payload[2];
  if (!isMapping(mapping)) throw new FrameError('bad sync delta: the delta must be a map of sub-keys to values');
  return { key, mapping };
}

function parseKey(packet: Packet | undefined, what: string): Uint8Array {
  const key = keyFromPacket(packet);
  if (key === undefined) throw new FrameError(`bad sync ${what}: the key must be str or bin`);
  return key;
}
