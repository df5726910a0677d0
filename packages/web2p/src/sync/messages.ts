/**
 * The sync messages of protocol.md §6.2 as pure encode/parse functions:
 *   store   `[store, key, value]`            broadcast; nil value = delete; owner and time are the
 *                                            message's sender and time
 *   sync    `[store, key, value, owner, ts]` whisper to a neighbour, carrying the record's metadata
 *   delta   `[delta, key, {sub-key: value}]` broadcast
 * Keys go out as bin and are accepted as str or bin. Malformed input is a FrameError, which drops
 * the peer that sent it.
 */
import { FrameError } from '../errors.js';
import { packetText } from '../mesh/handshake.js';
import { flags } from '../wire/flags.js';
import { isValidNodeId } from '../wire/node-id.js';
import type { Packet } from '../wire/packet.js';
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
export function syncPayload(key: Uint8Array, record: SyncRecord): [number, Uint8Array, Packet, string, number] {
  return [flags.store, key, record.value, record.owner, record.ts];
}

export function deltaPayload(key: Uint8Array, mapping: Mapping): Packet[] {
  return [flags.delta, key, mapping];
}

/** `payload[0]` must be flags.store; `sender` and `time` are the message's. */
export function parseStore(payload: readonly Packet[], sender: string, time: number): StoreMessage {
  if (payload.length < 3) throw new FrameError('bad sync store: it needs [store, key, value]');
  const key = parseKey(payload[1], 'store');
  const value = payload[2] as Packet;
  if (payload.length !== 5) return { key, record: { value, owner: sender, ts: time }, carriesMeta: false };
  const owner = packetText(payload[3]);
  if (owner === undefined || !isValidNodeId(owner)) {
    throw new FrameError('bad sync store: the owner (item 4 of 5) must be a node id as str or bin');
  }
  const ts = payload[4];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new FrameError('bad sync store: the timestamp (item 5 of 5) must be a non-negative integer');
  }
  return { key, record: { value, owner, ts }, carriesMeta: true };
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
