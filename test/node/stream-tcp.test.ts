/**
 * A 256 MiB stream between two Node peers over real TCP on loopback (issue 18): byte-identical, and
 * what is in flight stays bounded by the flow-control window, not by the stream's size. Neither end
 * ever holds the whole: the sender generates the bytes as it is asked for them, the receiver checks
 * them as they come. Both are checked: the bytes generated but not yet read (flow control), and the
 * growth of the process's peak RSS (+49 MiB measured; a reference kept per chunk made it +297 MiB).
 */
import { afterEach, expect, test } from 'vitest';
import { MeshSocket, Protocol, type IncomingStream } from '../../packages/web2p/src/node/index.js';
import { streams } from '../../packages/web2p/src/streams/index.js';
import { STREAM_WINDOW_BYTES } from '../../packages/web2p/src/mesh/streams/constants.js';
import { waitFor } from '../contract/wait.js';

const SIZE = 256 * 1024 * 1024;
const PIECE = 1024 * 1024;

const open: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sock) => sock.close()));
});

/** Byte i of the stream: cheap to make and to check, and a shifted or dropped chunk shows. */
function byteAt(i: number): number {
  return (i * 31 + (i >>> 16)) & 0xff;
}

/** Bytes the sender's source has handed out so far. */
let generatedBytes = 0;

async function* generated(): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < SIZE; at += PIECE, generatedBytes = at) {
    const piece = new Uint8Array(PIECE);
    for (let i = 0; i < PIECE; i++) piece[i] = byteAt(at + i);
    yield piece;
  }
}

async function peer(): Promise<MeshSocket> {
  // No compression: the stream's bytes are what is measured here, not fflate's zlib.
  const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol: new Protocol('stream', 'Plaintext'), compression: [], streams: streams() });
  open.push(sock);
  await sock.listening;
  return sock;
}

test('256 MiB over TCP arrive byte-identical with memory bounded by the window', async () => {
  const [a, b] = [await peer(), await peer()];
  await a.connect(b.address);
  await waitFor(() => a.routingTable.has(b.id) && b.routingTable.has(a.id), 5_000, 'both routing tables');
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const incoming = new Promise<IncomingStream>((resolve) => b.once('stream', resolve));
  const sending = a.sendStream(b.id, generated(), { label: 'big', onProgress: sample });
  const stream = await incoming;
  let at = 0;
  let mismatch = -1;
  let inFlight = 0;
  const reader = stream.readable.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    const chunk = next.value;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] !== byteAt(at + i) && mismatch < 0) mismatch = at + i;
    at += chunk.length;
    inFlight = Math.max(inFlight, generatedBytes - at);
    sample();
  }
  await sending;
  expect(mismatch).toBe(-1);
  expect(at).toBe(SIZE);
  const grewMiB = (peak - baseline) / 2 ** 20;
  console.log(
    `256 MiB stream over TCP: at most ${(inFlight / 2 ** 20).toFixed(1)} MiB generated and not yet read; ` +
      `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, ${grewMiB.toFixed(0)} MiB over the ${(baseline / 2 ** 20).toFixed(0)} MiB before`,
  );
  // One window on the way, plus the source's piece being cut into chunks; without flow control the
  // sender would run ahead by most of the 256 MiB.
  expect(inFlight).toBeLessThanOrEqual(STREAM_WINDOW_BYTES + PIECE);
  // Half the stream: anything holding on to what was sent shows far above it.
  expect(grewMiB).toBeLessThan(128);
}, 180_000);
