/**
 * Answers are bounded per peer and per second (issue 16): stale sync records, a few dozen bytes
 * each, used to be answered with our record every time (56 KB of them were answered with 298 MiB).
 */
import { expect, it } from 'vitest';
import { SyncSocket, flags } from '../../packages/web2p/src/index.js';
import { utf8 } from '../../packages/web2p/src/wire/packet.js';
import { makeNet, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

it('200 stale records for a 256 KiB value get answers worth the answer budget, not 50 MiB', async () => {
  const net = makeNet();
  const victim = new SyncSocket({ transport: net.transport(), limits: { answerByteBurst: 2 * 1024 * 1024, answerBytesPerSecond: 64 * 1024 }, trust: 'legacy' }); // the raw peer cannot prove an id
  await victim.ready;
  victim.set('k', new Uint8Array(256 * 1024));
  const raw = await RawPeer.connect(net, victim.address);
  raw.handshake(victim.protocol.id);
  await until(net, () => victim.routingTable.has(raw.id), 'the raw peer linked');
  await until(net, () => raw.received.some((msg) => msg.payload[0] === flags.store), 'the initial sync');
  const answers = (): number => raw.received.filter((msg) => msg.payload[0] === flags.store).length;
  const before = answers();
  for (let i = 0; i < 200; i++) raw.sendPackets(flags.whisper, [flags.store, utf8('k'), `stale ${i}`, raw.id, raw.nowSeconds() - 100]);
  await net.run(1_000);
  // 2 MiB of burst holds 7 answers of 256 KiB; a second at 64 KiB/s adds none
  expect(answers() - before).toBeGreaterThan(0);
  expect(answers() - before).toBeLessThanOrEqual(8);
  await victim.close();
});
