/**
 * The sync messages of PROTOCOL.md §6.2 as pure encode/parse functions:
 *   store   `[store, key, value]`            broadcast; nil value = delete; owner and time are the
 *                                            message's sender and time
 *   sync    `[store, key, value, owner, ts]` whisper to a neighbour, carrying the record's metadata
 *   delta   `[delta, key, {sub-key: value}]` broadcast
 * web2p signs them (§14.13) by appending one item py2p does not read: `[ts, public key, signature]`
 * to a store or sync (the record's time is then that ts, not the message's), and `[ts, public key,
 * delta signature, record signature]` to a delta.
 * Keys go out as bin and are accepted as str or bin; an owner id goes out typed as its owner sends
 * its own id (SyncRecord.ownerBin). Malformed input is a FrameError, which drops the peer that sent it.
 */
import { FrameError } from '../errors.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../identity/identity.js';
import type { Proof } from '../replica/signatures.js';
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
  /** The owner's signatures (§14.13); absent from unsigned (legacy) deltas. */
  readonly proof?: DeltaProof;
}

/** A signed delta's time and signatures: of the delta itself, and of the record it made on its owner. */
export interface DeltaProof extends Proof {
  readonly ts: number;
  readonly record: Proof;
}

/** A signed store broadcast (§14.13): the record's ts travels in its proof. */
export function storePayload(key: Uint8Array, record: SyncRecord & { proof: Proof }): Packet[] {
  return [flags.store, key, record.value, proofItem(record.ts, record.proof)];
}

/**
 * The five-item store, or six with the record's proof, shaped as `conn.send(flag, ...syncPayload(...))`
 * takes it. Only web2p peers get the sixth item: py2p would take a six-item store for a broadcast.
 */
export function syncPayload(key: Uint8Array, record: SyncRecord, signed: boolean): [number, ...Packet[]] {
  const items: [number, ...Packet[]] = [flags.store, key, record.value, record.ownerBin ? utf8(record.owner) : record.owner, record.ts];
  if (signed && record.proof) items.push(proofItem(record.ts, record.proof));
  return items;
}

/**
 * Whether a peer may be sent `record` as a sync. py2p and js2p fail on a nil store for a key they
 * lack (py2p's handler raises KeyError and drops us; §11), so tombstones go to web2p peers only.
 */
export function takesRecord(dialect: PeerDialect, record: SyncRecord): boolean {
  return record.value !== null || dialect.web2p;
}

export function deltaPayload(key: Uint8Array, mapping: Mapping, proof: DeltaProof): Packet[] {
  return [flags.delta, key, mapping, [...proofItem(proof.ts, proof), proof.record.signature]];
}

function proofItem(ts: number, proof: Proof): Packet[] {
  return [ts, proof.publicKey, proof.signature];
}

/** `payload[0]` must be flags.store; `sender`, `time` and `senderIsBin` are the message's. */
export function parseStore(payload: readonly Packet[], sender: string, time: number, senderIsBin = false): StoreMessage {
  if (payload.length < 3) throw new FrameError('bad sync store: it needs [store, key, value]');
  const key = parseKey(payload[1], 'store');
  const value = payload[2] as Packet;
  if (payload.length < 5) {
    const signed = payload.length === 4 ? parseProof(payload[3], 3) : undefined;
    const record = signed ? { value, owner: sender, ts: signed.ts, proof: signed.proof } : { value, owner: sender, ts: time };
    return { key, record: withOwnerType(record, senderIsBin), carriesMeta: false };
  }
  const owner = packetText(payload[3]);
  if (owner === undefined || !isValidNodeId(owner)) {
    throw new FrameError('bad sync store: the owner (item 4 of 5) must be a node id as str or bin');
  }
  const ts = payload[4];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new FrameError('bad sync store: the timestamp (item 5 of 5) must be a non-negative integer');
  }
  const signed = payload.length > 5 ? parseProof(payload[5], 3) : undefined;
  if (signed && signed.ts !== ts) throw new FrameError('bad sync store: the signed time differs from the record\'s');
  const record = signed ? { value, owner, ts, proof: signed.proof } : { value, owner, ts };
  return { key, record: withOwnerType(record, payload[3] instanceof Uint8Array), carriesMeta: true };
}

/** `[ts, public key, signature, ...more signatures]`: `signatures` of them (64 bytes each). */
function parseProof(packet: Packet | undefined, items: number): { ts: number; proof: Proof; more: Uint8Array[] } {
  if (!Array.isArray(packet) || packet.length !== items) throw new FrameError(`bad sync proof: it must be [ts, public key, signature${items > 3 ? ', signature' : ''}]`);
  const [ts, publicKey, signature, ...more] = packet as Packet[];
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) throw new FrameError('bad sync proof: the time must be a non-negative integer');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) throw new FrameError('bad sync proof: the public key must be 32 bytes of bin');
  for (const sig of [signature, ...more]) {
    if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_BYTES) throw new FrameError('bad sync proof: a signature must be 64 bytes of bin');
  }
  return { ts, proof: { publicKey, signature: signature as Uint8Array }, more: more as Uint8Array[] };
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
  if (payload.length < 4) return { key, mapping };
  const { ts, proof, more } = parseProof(payload[3], 4);
  return { key, mapping, proof: { ts, ...proof, record: { publicKey: proof.publicKey, signature: more[0]! } } };
}

function parseKey(packet: Packet | undefined, what: string): Uint8Array {
  const key = keyFromPacket(packet);
  if (key === undefined) throw new FrameError(`bad sync ${what}: the key must be str or bin`);
  return key;
}
