/**
 * A socket that offers no compression loads the codec (fflate) only when a peer sends a frame that
 * looks compressed (wire/compression-loader.ts, issue 20); that frame and every later one on the
 * link wait for the load and arrive in order. Real TCP, a py2p-like raw peer. Runs in a process of
 * its own (vitest isolates files), so the codec starts unloaded.
 */
import { afterEach, expect, it } from 'vitest';
import { MeshSocket, Protocol, flags } from '../../packages/web2p/src/node/index.js';
import { compressionLoaded } from '../../packages/web2p/src/wire/compression-loader.js';
import { concatBytes } from '../../packages/web2p/src/wire/packet.js';
import { waitFor } from '../contract/wait.js';
import { rawFrame, RawTcpPeer } from './raw-tcp-peer.js';

/** Loopback links open in milliseconds; this only bounds a failure (the machine is shared). */
const WAIT_MS = 20_000;
const protocol = new Protocol('lazy-compression', 'Plaintext');

const open: Array<MeshSocket | RawTcpPeer> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

it('a compressed frame loads the codec; it and the plain frames after it arrive in order', async () => {
  // compression: [] as over WebRTC; 'legacy' lets the raw peer in without an id proof
  const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol, trust: 'legacy', compression: [] });
  open.push(sock);
  const texts: string[] = [];
  const errors: Error[] = [];
  sock.on('message', (msg) => texts.push(String(msg.packets.at(-1))));
  sock.on('error', (error) => errors.push(error));
  await sock.listening;
  const peer = await RawTcpPeer.connect(Number(new URL(sock.address).port));
  open.push(peer);
  peer.handshake(protocol.id, [flags.zlib]);
  await waitFor(() => sock.routingTable.has(peer.id), WAIT_MS, 'the raw peer in the routing table');
  expect(compressionLoaded()).toBe(false);
  const frame = (text: string, zlib: boolean) => rawFrame(peer.message(flags.broadcast, [flags.broadcast, text]).body, zlib);
  const expected = ['one', 'two'.repeat(200), 'three', 'four'.repeat(200), 'five'];
  // one write: a plain frame, a compressed one, then frames that must wait behind it
  peer.send(concatBytes(expected.slice(0, 4).map((text, i) => frame(text, i % 2 === 1))));
  peer.send(frame('five', false));
  await waitFor(() => texts.length === expected.length, WAIT_MS, 'all five messages');
  expect(texts).toEqual(expected);
  expect(compressionLoaded()).toBe(true);
  expect(errors).toEqual([]);
});
