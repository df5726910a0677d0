/**
 * A peer writing as many identities (issue 16's per-writer quotas count each apart, and an identity
 * costs a key pair): every replica keeps at most its bound on all writers together
 * (maxStoredKeys), refuses the rest with a QuotaExceededError ('stored-keys') without dropping
 * anyone (a full replica is no one writer's fault), and its holders' existing keys stay writable.
 * Real Node peers on TCP, sync and chord.
 */
import { afterEach, expect, it } from 'vitest';
import { createIdentity, nodeIdOf, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { ChordSocket, QuotaExceededError, SyncSocket } from '../../packages/web2p/src/node/index.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { signRecord } from '../../packages/web2p/src/sync/record-proof.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { attackedNode, type ChordWireAttacker } from './chord-attacker.js';
import { RecordAttacker } from './record-attacker.js';

const NET_MS = 10_000;
/** The bound on all writers' keys the attacked replica keeps. */
const STORED_KEYS = 12;
/** How many identities the attacker writes as, one key each: well past the bound. */
const SYBILS = 3 * STORED_KEYS;

const open: Array<SyncSocket | ChordSocket | RecordAttacker | ChordWireAttacker> = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

const sybils = (): Identity[] => Array.from({ length: SYBILS }, () => createIdentity(systemRandom));
const refusedAsFull = (errors: Error[]): QuotaExceededError[] =>
  errors.filter((error): error is QuotaExceededError => error instanceof QuotaExceededError && error.what === 'stored-keys');

it('sync: records signed by many identities fill a replica only to maxStoredKeys; nobody is dropped and held keys stay writable', async () => {
  const owner = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
  const replica = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, maxStoredKeys: STORED_KEYS });
  open.push(owner, replica);
  await Promise.all([owner.listening, replica.listening]);
  await owner.connect(replica.address);
  owner.set('name', 'alice');
  await waitFor(() => replica.get('name') === 'alice', NET_MS, 'the replica has the owner\'s key');
  const errors: Error[] = [];
  replica.on('error', (error) => errors.push(error));
  const attacker = await RecordAttacker.connect(replica.address, replica.protocol.id);
  open.push(attacker);
  await waitFor(() => replica.routingTable.has(attacker.id), NET_MS, 'the attacker is linked');

  const ts = attacker.nowSeconds();
  const identities = sybils();
  const sync = (identity: Identity, key: string, value: string, at: number): void => {
    const proof = signRecord(identity, attacker.protocolId, utf8(key), value, at);
    attacker.send(flags.whisper, [flags.store, utf8(key), value, nodeIdOf(identity.publicKey, attacker.protocolId), at, [at, proof.publicKey, proof.signature]]);
  };
  identities.forEach((identity, i) => sync(identity, `sybil ${i}`, 'x', ts));
  // the link delivers in order: once the first sybil's rewrite of its key lands, every record before it was handled
  sync(identities[0]!, 'sybil 0', 'rewritten', ts + 1);
  await waitFor(() => replica.get('sybil 0') === 'rewritten', NET_MS, 'the rewrite of a key held (the bound allows it)');
  expect([...replica.keys()]).toHaveLength(STORED_KEYS); // 'name' and the first sybils'
  // reported once for the neighbour (a minute's refusals it passed on make one 'error'), not dropped
  expect(refusedAsFull(errors)).toEqual([expect.objectContaining({ peerId: attacker.id, limit: STORED_KEYS })]);
  expect(attacker.closed).toBe(false);
  expect(() => replica.set('one more', 1)).toThrow(expect.objectContaining({ name: 'QuotaExceededError', what: 'stored-keys' }));

  // the owner's new key is refused there too, without a drop; its held key still takes writes
  owner.set('new key', 1);
  await waitFor(() => refusedAsFull(errors).some((error) => error.owner === owner.id), NET_MS, 'the owner\'s new key refused');
  owner.set('name', 'alice again');
  await waitFor(() => replica.get('name') === 'alice again', NET_MS, 'the owner\'s rewrite');
  expect(replica.has('new key')).toBe(false);
  expect(replica.routingTable.has(owner.id)).toBe(true);
});

it('chord: replica records of many writers fill a storing node only to maxStoredKeys; its own new writes reject, its keys stay writable', async () => {
  const { node, attacker, errors } = await attackedNode({ maxStoredKeys: STORED_KEYS }, (closable) => open.push(closable));

  const records = sybils().map((signer, i) =>
    attacker.record({ key: utf8(`sybil ${i}`), version: Date.now(), value: 'x', writer: nodeIdOf(signer.publicKey, node.protocol.id), signer }),
  );
  attacker.sendReplicas(records);
  await waitFor(() => refusedAsFull(errors).length > 0, NET_MS, 'the records past the bound refused');
  expect(node.keys()).toHaveLength(STORED_KEYS); // 'honest' and the first sybils'
  expect(refusedAsFull(errors)).toEqual([expect.objectContaining({ peerId: attacker.id, limit: STORED_KEYS })]); // reported once a message
  expect(attacker.closed).toBe(false);

  await expect(node.set('one more', 1)).rejects.toMatchObject({ name: 'QuotaExceededError', what: 'stored-keys', limit: STORED_KEYS });
  await node.set('honest', 'still writable');
  expect(await node.get('honest')).toBe('still writable');
});
