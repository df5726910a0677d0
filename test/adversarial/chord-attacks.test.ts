/**
 * Issue 15, chord: a hostile peer on a real TCP link (record-attacker.ts) plants a replica record
 * with version 1e308, which no honest write could ever beat. It is refused, the attacker dropped,
 * and the key keeps taking honest writes.
 */
import { afterEach, expect, it } from 'vitest';
import { ChordSocket } from '../../packages/web2p/src/node/index.js';
import { toBase58 } from '../../packages/web2p/src/wire/base58.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { RecordAttacker } from './record-attacker.js';

const NET_MS = 10_000;

const open: Array<ChordSocket | RecordAttacker> = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

it('a replica record with version 1e308 is refused and its sender dropped; honest writes still win', async () => {
  const node = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 } });
  open.push(node);
  await node.listening;
  await node.join();
  await node.set('victim', 'honest');
  const errors: Error[] = [];
  node.on('error', (error) => errors.push(error));
  const attacker = await RecordAttacker.connect(node.address, node.protocol.id + toBase58(node.k), node.protocol.id);
  open.push(attacker);
  await waitFor(() => node.routingTable.has(attacker.id), NET_MS, 'the attacker is linked');
  attacker.send(flags.whisper, [flags.notify, 'replica', null, [[utf8('victim'), 1e308, 'mallory']]]);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, reason: 'version' }));
  expect(await node.get('victim')).toBe('honest');
  await node.set('victim', 'still mine');
  expect(await node.get('victim')).toBe('still mine');
});
