/**
 * The stall rule counts progress in bytes per second (issue 16): a peer parking a nearly complete
 * frame and feeding it one byte every 20 s used to keep it for ever, since any byte reset the clock.
 * Virtual time: the rule needs minutes to bite.
 */
import { expect, it } from 'vitest';
import { PeerLimitError } from '../../packages/web2p/src/errors.js';
import { makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

/** A frame announced as `frameBytes`, `firstBytes` of it sent at once, then `feed` every 20 s for `ticks`. */
async function parkedFrame(frameBytes: number, firstBytes: number, ticks: number, feed: (raw: RawPeer) => void) {
  const net = makeNet();
  const [node] = meshNodes(net, 1, { trust: 'legacy' }); // the raw peer cannot prove an id
  const errors: Error[] = [];
  node!.on('error', (error) => errors.push(error));
  const raw = await RawPeer.connect(net, node!.address);
  raw.handshake(node!.protocol.id);
  await until(net, () => node!.routingTable.has(raw.id), 'the raw peer linked');
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, frameBytes);
  raw.sendBytes(header);
  raw.sendBytes(new Uint8Array(firstBytes));
  for (let tick = 0; tick < ticks && !raw.closed; tick++) {
    await net.run(20_000);
    feed(raw);
  }
  return { node: node!, raw, errors };
}

it('a frame fed one byte every 20 s is cut, with PeerLimitError slow-frame', async () => {
  const { raw, errors } = await parkedFrame(1024 * 1024, 1024 * 1024 - 64, 30, (raw) => raw.sendBytes(new Uint8Array(1)));
  expect(raw.closed).toBe(true);
  expect(errors.filter((error) => error instanceof PeerLimitError).map((error) => (error as PeerLimitError).limit)).toEqual(['slow-frame']);
});

it('a large frame that keeps arriving at a fair rate (40 KiB/s in bursts) is not cut, however long it takes', async () => {
  // 8 ticks of 20 s: 160 s mid-frame, 6.3 MiB of the 12 MiB in
  const { raw, errors } = await parkedFrame(12 * 1024 * 1024, 64 * 1024, 8, (raw) => raw.sendBytes(new Uint8Array(40 * 1024 * 20)));
  expect(errors).toEqual([]);
  expect(raw.closed).toBe(false);
});
