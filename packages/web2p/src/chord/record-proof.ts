/**
 * Signed chord records and answers (issue 15, PROTOCOL.md §14.18). A writer signs each record
 * (value or deletion) over the key, the value's hash, the version it chose and its own id, so the
 * writer the quotas count is proven and no node can change a record it stores or passes on. The
 * responsible node signs each answer over the request id, its own entry, the key, the status and
 * the hash of what it answered (a write's [version, value hash], a read's record), so an
 * acknowledgement cannot be made by anyone but the node that was asked, nor replayed for another
 * request. The bytes and checks are replica/signatures.ts's, under chord's own domain strings.
 */
import type { Identity } from '../identity/identity.js';
import { signBytes, signedBytes, valueDigest, verifySigned, type Proof } from '../replica/signatures.js';
import type { Packet } from '../wire/packet.js';
import type { ChordAnswer, NodeEntry, WireRecord } from './messages.js';

/** The domain string of chord record signatures (replica/signatures.ts). */
const RECORD_DOMAIN = 'web2p-chord-record/1';
/** The domain string of chord answer signatures: an answer's bytes can never pass for a record's. */
const ANSWER_DOMAIN = 'web2p-chord-answer/1';
/** The domain string of a replica's confirmation of a copy: never passes for an answer of the key's node. */
const REPLICA_ACK_DOMAIN = 'web2p-chord-replica-ack/1';

/** Where the protocol ids come from: records are bound to the ring (wire id, with k), keys to node ids. */
export interface ProofContext {
  /** The wire protocol id (the protocol's plus base58(k)): a record of one ring is not valid on another. */
  readonly wireProtocolId: string;
  /** The protocol id node ids are derived with (§14.14). */
  readonly idProtocolId: string;
}

function recordBytes(context: ProofContext, record: Omit<WireRecord, 'proof'>): Uint8Array {
  const op = record.value === undefined ? 'delete' : 'set';
  return signedBytes(RECORD_DOMAIN, context.wireProtocolId, [op, record.key, valueDigest(record.value ?? null), record.version, record.writer]);
}

/** The writer's signed record: `value` undefined is a deletion. */
export function signRecord(identity: Identity, context: ProofContext, record: Omit<WireRecord, 'proof'>): WireRecord {
  return { ...record, proof: signBytes(identity, recordBytes(context, record)) };
}

/** Whether `record` carries its writer's valid signature (false when it carries none). */
export function verifyRecord(context: ProofContext, record: WireRecord): boolean {
  return record.proof !== undefined && record.writer !== '' && verifySigned(record.proof, record.writer, context.idProtocolId, recordBytes(context, record));
}

/** What a write's answer says was stored: [version, sha256(msgpack(value | nil))]. */
export function storedSummary(record: Pick<WireRecord, 'version' | 'value'>): Packet {
  return [record.version, valueDigest(record.value ?? null)];
}

function answerBytes(context: ProofContext, answer: Omit<ChordAnswer, 'proof'>, key: Uint8Array): Uint8Array {
  const { id, responder, status, value } = answer;
  return signedBytes(ANSWER_DOMAIN, context.wireProtocolId, [id, responder.id, responder.position, key, status, valueDigest(value ?? null)]);
}

/** The responder's answer to a request for `key`, signed. */
export function signAnswer(identity: Identity, context: ProofContext, answer: Omit<ChordAnswer, 'proof'>, key: Uint8Array): ChordAnswer {
  return { ...answer, proof: signBytes(identity, answerBytes(context, answer, key)) };
}

/** Whether `answer` carries its responder's valid signature for `key` (false when it carries none). */
export function verifyAnswer(context: ProofContext, answer: ChordAnswer, key: Uint8Array): boolean {
  const proof: Proof | undefined = answer.proof;
  return proof !== undefined && verifySigned(proof, answer.responder.id, context.idProtocolId, answerBytes(context, answer, key));
}

/**
 * What a replica signs when it holds a write's copy: the ack id (the writer's request id, so the
 * writer knows the confirmation is for its write and fresh), the replica's entry, and the record's
 * key, version and value hash.
 */
function replicaAckBytes(context: ProofContext, ackId: string, replica: NodeEntry, record: Pick<WireRecord, 'key' | 'version' | 'value'>): Uint8Array {
  return signedBytes(REPLICA_ACK_DOMAIN, context.wireProtocolId, [ackId, replica.id, replica.position, record.key, record.version, valueDigest(record.value ?? null)]);
}

/** A replica's signed confirmation that it holds `record`, copied under `ackId`. */
export function signReplicaAck(identity: Identity, context: ProofContext, ackId: string, replica: NodeEntry, record: Pick<WireRecord, 'key' | 'version' | 'value'>): Proof {
  return signBytes(identity, replicaAckBytes(context, ackId, replica, record));
}

/** Whether `proof` is `replica`'s valid confirmation that it holds `record`, copied under `ackId`. */
export function verifyReplicaAck(context: ProofContext, ackId: string, replica: NodeEntry, record: Pick<WireRecord, 'key' | 'version' | 'value'>, proof: Proof): boolean {
  return verifySigned(proof, replica.id, context.idProtocolId, replicaAckBytes(context, ackId, replica, record));
}
