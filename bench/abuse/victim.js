// The victim of bench:abuse, in a process of its own so its memory and CPU are its own: a
// SyncSocket (a mesh node with the sync service, so sync answers can be attacked too) listening on
// TCP, holding one 256 KiB key. It tells its parent where it listens, then every 100 ms its memory
// and CPU, what it dropped, and how often it paused reading a peer over its budget (report-to-parent.js). Usage: forked by bench/abuse.js with the limits as JSON in argv[2] and { unread } in argv[3].
import { SyncSocket, Protocol } from '../../packages/web2p/dist/node/index.js';
import { honestTags } from './honest-tags.js';
import { reportToParent } from './report-to-parent.js';

const limits = JSON.parse(process.argv[2] ?? '{}');
const { unread } = JSON.parse(process.argv[3] ?? '{}');
const sock = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol: new Protocol('abuse', 'Plaintext'), limits, log: () => {}, trust: 'legacy' });
// (the attackers speak py2p and cannot prove an id: 'legacy' lets them in, the most open victim there is)
// A careful app reads its messages (a 'message' handler, so none stay queued); `unread` leaves
// every message in the recv() queue, the worst case, up to maxQueuedMessages / maxQueuedBytes.
// (the honest messages it relays are tagged: which it received says where a lost one was lost)
honestTags(sock, { unread });
const dropped = {};
sock.on('error', (error) => {
  const kind = error.limit ? `${error.name}:${error.limit}` : error.name;
  dropped[kind] = (dropped[kind] ?? 0) + 1;
});
await sock.ready;
await sock.listening;
sock.set('big', new Uint8Array(256 * 1024).fill(1));

/** Broadcasts `count` messages of 64 KiB, yielding between them so sockets write. */
async function flood(count) {
  for (let i = 0; i < count && !sock.isClosed; i++) {
    sock.send('flood', new Uint8Array(64 * 1024).fill(i & 0xff), i);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Per peer, the most read pauses, discarded frames and skipped relays its stats showed (a dropped peer's stay). */
const throttling = new Map();
const throttled = () => {
  let readPauses = 0;
  let discardedFrames = 0;
  let skippedRelays = 0;
  for (const peer of throttling.values()) {
    readPauses += peer.readPauses;
    discardedFrames += peer.discardedFrames;
    skippedRelays += peer.skippedRelays;
  }
  return { readPauses, discardedFrames, skippedRelays };
};

reportToParent(async () => {
  for (const peer of (await sock.stats()).peers) throttling.set(peer.id, { readPauses: peer.readPauses, discardedFrames: peer.discardedFrames, skippedRelays: peer.skippedRelays });
  return { dropped, throttled: throttled(), peers: sock.routingTable.size };
});
process.on('message', (message) => {
  if (message.type === 'send') sock.send(...message.packets.map((p) => (p?.type === 'Buffer' ? new Uint8Array(p.data) : p)));
  if (message.type === 'flood') void flood(message.count);
  if (message.type === 'exit') sock.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', address: sock.address, id: sock.id, protocolId: sock.protocol.id });
