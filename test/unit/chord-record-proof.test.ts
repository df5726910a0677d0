/**
 * Chord's signatures (PROTOCOL.md §14.18): a replica's confirmation of a write's copy verifies only
 * for that replica, that ack id and that record, and can never pass for the key's node's answer.
 */
import { describe, expect, it } from 'vitest';
import type { ChordAnswer, NodeEntry } from '../../packages/web2p/src/chord/messages.js';
import { idPosition } from '../../packages/web2p/src/chord/ring.js';
import { signReplicaAck, verifyAnswer, verifyReplicaAck, type ProofContext } from '../../packages/web2p/src/chord/record-proof.js';
import { createIdentity, nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { utf8 } from '../../packages/web2p/src/wire/index.js';

const K = 8;
const context: ProofContext = { wireProtocolId: 'test-protocol5', idProtocolId: 'test-protocol' };
const identity = createIdentity(systemRandom);
const id = nodeIdOf(identity.publicKey, context.idProtocolId);
const replica: NodeEntry = { id, position: idPosition(id, K), addr: ['sim', 1] };
const record = { key: utf8('key'), version: 1_704_067_200_123, value: 'v' };

describe('replica confirmations', () => {
  const proof = signReplicaAck(identity, context, 'request 1', replica, record);

  it('verify for the replica, ack id and record signed', () => {
    expect(verifyReplicaAck(context, 'request 1', replica, record, proof)).toBe(true);
  });

  it.each([
    ['another ack id (another write)', () => verifyReplicaAck(context, 'request 2', replica, record, proof)],
    ['another version', () => verifyReplicaAck(context, 'request 1', replica, { ...record, version: record.version + 1 }, proof)],
    ['another value', () => verifyReplicaAck(context, 'request 1', replica, { ...record, value: 'w' }, proof)],
    ['a deletion', () => verifyReplicaAck(context, 'request 1', replica, { ...record, value: undefined }, proof)],
    ['another position of the replica', () => verifyReplicaAck(context, 'request 1', { ...replica, position: (replica.position + 1) % 256 }, record, proof)],
    ['another ring', () => verifyReplicaAck({ ...context, wireProtocolId: 'test-protocol6' }, 'request 1', replica, record, proof)],
  ])('do not verify for %s', (_, check) => {
    expect(check()).toBe(false);
  });

  it("never pass for the key's node's answer (another domain)", () => {
    const answer: ChordAnswer = { id: 'request 1', hops: 0, responder: replica, status: 'ok', value: undefined, proof };
    expect(verifyAnswer(context, answer, record.key)).toBe(false);
  });
});
