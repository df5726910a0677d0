/**
 * Issues 15 and 16, chord: a hostile peer on a real TCP link (record-attacker.ts) plants a replica
 * record with version 1e308, which no honest write could ever beat, or writes past its storage
 * quota. Each is refused, the attacker dropped, and the honest data and writers are unaffected.
 */
import { afterEach, expect, it } from 'vitest';
import { keyPosition } from '../../packages/web2p/src/chord/ring.js';
import { createIdentity, nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import { ChordSocket, QuotaExceededError } from '../../packages/web2p/src/node/index.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { toBase58 } from '../../packages/web2p/src/wire/base58.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { RecordAttacker } from './record-attacker.js';

const NET_MS = 10_000;

const open: Array<ChordSocket | RecordAttacker> = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

/** The quota of keys per writer the storing nodes here keep. */
const QUOTA = 5;

/** A storing node alone on its ring (so responsible for every key) holding 'honest', and an attacker linked to it. */
async function scene(): Promise<{ node: ChordSocket; attacker: RecordAttacker; errors: Error[] }> {
  const node = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerWriter: QUOTA });
  open.push(node);
  await node.listening;
  await node.join();
  await node.set('honest', 'kept');
  const errors: Error[] = [];
  node.on('error', (error) => errors.push(error));
  const attacker = await RecordAttacker.connect(node.address, node.protocol.id + toBase58(node.k), node.protocol.id);
  open.push(attacker);
  await waitFor(() => node.routingTable.has(attacker.id), NET_MS, 'the attacker is linked');
  return { node, attacker, errors };
}

/** The honest data is all there, and honest writes go on. */
async function expectHonestDataKept(node: ChordSocket): Promise<void> {
  expect(await node.get('honest')).toBe('kept');
  await node.set('honest', 'still writable');
  expect(await node.get('honest')).toBe('still writable');
}

it('a replica record with version 1e308 is refused and its sender dropped; honest writes still win', async () => {
  const { node, attacker, errors } = await scene();
  attacker.send(flags.whisper, [flags.notify, 'replica', null, [[utf8('honest'), 1e308, attacker.id, 'mallory']]]);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, reason: 'version' }));
  await expectHonestDataKept(node);
});

it('a writer flooding set requests past its key quota gets a refusal and is dropped; the storing node keeps only its quota', async () => {
  const { node, attacker, errors } = await scene();
  const requests = 4 * QUOTA;
  for (let i = 0; i < requests; i++) {
    const key = utf8(`flood ${i}`);
    attacker.send(flags.whisper, [flags.store, `req${i}`, 1, true, keyPosition(key, node.k), key, attacker.id, 'x'.repeat(100)]);
  }
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  const statuses = attacker.received.map((message) => message.payload).filter((payload) => payload[0] === flags.retrieved).map((payload) => payload[4]);
  expect(statuses).toContain('quota'); // answers sent after the drop are lost with the link
  expect(statuses.every((status) => status === 'ok' || status === 'quota')).toBe(true);
  expect(errors).toContainEqual(expect.objectContaining({ name: 'QuotaExceededError', owner: attacker.id, what: 'keys', limit: QUOTA, peerId: attacker.id }));
  expect(errors.filter((error) => error instanceof QuotaExceededError)).toHaveLength(1); // the rest of the flood went unread
  expect(node.keys()).toHaveLength(1 + QUOTA); // 'honest' and the attacker's first QUOTA keys
  await expectHonestDataKept(node);
});

it('replica records past a writer\'s quota, sent by that writer, are refused and their sender dropped', async () => {
  const { node, attacker, errors } = await scene();
  const version = Date.now();
  const records = Array.from({ length: 2 * QUOTA }, (_, i) => [utf8(`planted ${i}`), version, attacker.id, 'x']);
  attacker.send(flags.whisper, [flags.notify, 'replica', null, records]);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'QuotaExceededError', owner: attacker.id, peerId: attacker.id }));
  await expectHonestDataKept(node);
  await expect(node.get(`planted ${QUOTA}`)).rejects.toMatchObject({ name: 'KeyError' });
});

it('replica records past the quota of a writer other than their sender are refused, reported once, and the sender kept (it may be passing them on)', async () => {
  const { node, attacker, errors } = await scene();
  const writer = nodeIdOf(createIdentity(systemRandom).publicKey, attacker.protocolId); // someone else
  const records = Array.from({ length: 4 * QUOTA }, (_, i) => [utf8(`passed on ${i}`), Date.now(), writer, 'x']);
  attacker.send(flags.whisper, [flags.notify, 'replica', null, records]);
  await waitFor(() => errors.length > 0, NET_MS, 'the refusal is reported');
  expect(errors).toEqual([expect.objectContaining({ name: 'QuotaExceededError', owner: writer, peerId: attacker.id })]);
  expect(attacker.closed).toBe(false);
  await expectHonestDataKept(node);
  await expect(node.get(`passed on ${QUOTA}`)).rejects.toMatchObject({ name: 'KeyError' });
});

it('an honest writer is refused before sending, so the storing node never has to drop it', async () => {
  const storing = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerWriter: QUOTA });
  const writer = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerWriter: QUOTA });
  open.push(storing, writer);
  await Promise.all([storing.listening, writer.listening]);
  await storing.join();
  await writer.connect(storing.address);
  await waitFor(() => storing.routingTable.has(writer.id), NET_MS, 'the writer is linked');
  const errors: Error[] = [];
  storing.on('error', (error) => errors.push(error));
  for (let i = 0; i < QUOTA; i++) await writer.set(`mine ${i}`, i);
  await expect(writer.set('one too many', 0)).rejects.toBeInstanceOf(QuotaExceededError);
  await writer.set('mine 0', 'rewritten'); // replacing a key of its own stays within the quota
  await writer.delete('mine 1');
  await expect(writer.set('still one too many', 0)).rejects.toMatchObject({ name: 'QuotaExceededError', what: 'keys' }); // its tombstone counts
  expect(storing.routingTable.has(writer.id)).toBe(true);
  expect(errors).toEqual([]);
  expect(await writer.get('mine 0')).toBe('rewritten');
  await expect(storing.get('one too many')).rejects.toMatchObject({ name: 'KeyError' });
});
