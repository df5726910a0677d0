/** Streams of any size (issue 18): sendStream and the 'stream' event on the simulated mesh. */
import { describe, expect, test } from 'vitest';
import {
  AbortError,
  MeshSocket,
  StreamCancelledError,
  StreamPeerLeftError,
  StreamRefusedError,
  StreamsNotEnabledError,
  StreamUnreachableError,
  type IncomingStream,
} from '../../packages/web2p/src/index.js';
import { streams } from '../../packages/web2p/src/streams/index.js';
import { bytesEqual } from '../../packages/web2p/src/wire/packet.js';
import { RELAY_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../../packages/web2p/src/mesh/streams/constants.js';
import { chain, makeNet, meshNodes, until } from './helpers.js';

/** Deterministic bytes (a cheap LCG), so a mismatch anywhere shows. */
function pattern(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function nextStream(sock: MeshSocket): Promise<IncomingStream> {
  return new Promise((resolve) => sock.once('stream', resolve));
}

/** Reads a readable to the end, checking every byte against `expected` as it goes (no copy of the whole). */
async function readChecking(stream: IncomingStream, expected: Uint8Array): Promise<number> {
  let at = 0;
  const reader = stream.readable.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    const chunk = next.value;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] !== expected[at + i]) throw new Error(`byte ${at + i} differs`);
    at += chunk.length;
  }
  return at;
}

function monotonic(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v >= values[i - 1]!);
}

describe('streams between neighbours', () => {
  test('a Uint8Array arrives byte-identical, with progress on both ends', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { streams: streams() });
    await chain([a!, b!]);
    const data = pattern(3 * 1024 * 1024 + 17);
    const incoming = nextStream(b!);
    const sent: number[] = [];
    const sending = a!.sendStream(b!.id, data, { label: 'photo.jpg', onProgress: (n) => sent.push(n) });
    const stream = await incoming;
    const received: number[] = [];
    stream.on('progress', (n, size) => {
      received.push(n);
      expect(size).toBe(data.length);
    });
    expect([stream.from, stream.label, stream.size]).toEqual([a!.id, 'photo.jpg', data.length]);
    const bytes = await stream.bytes();
    await sending;
    expect(bytesEqual(bytes, data)).toBe(true);
    expect(monotonic(sent) && sent.at(-1) === data.length).toBe(true);
    expect(monotonic(received) && received.at(-1) === data.length).toBe(true);
  });

  test('a ReadableStream, a Blob and an async iterable of unknown size', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { streams: streams() });
    await chain([a!, b!]);
    const parts = [pattern(100_000, 2), pattern(1, 3), pattern(200_000, 4)];
    const whole = new Uint8Array(await new Blob(parts).arrayBuffer());
    async function* iterable() {
      for (const part of parts) yield part;
    }
    const sources = [
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
      new Blob(parts),
      iterable(),
    ];
    for (const source of sources) {
      const incoming = nextStream(b!);
      const sending = a!.sendStream(b!.id, source);
      const stream = await incoming;
      expect(stream.size).toBe(source instanceof Blob ? whole.length : undefined);
      expect(bytesEqual(await stream.bytes(), whole)).toBe(true);
      await sending;
    }
  });

  test('a slow reader holds the sender to one window', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { streams: streams() });
    await chain([a!, b!]);
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    }, { highWaterMark: 0 });
    const incoming = nextStream(b!);
    const sending = a!.sendStream(b!.id, source);
    sending.catch(() => {});
    const stream = await incoming;
    await net.run(10_000); // nobody reads: the sender stops at the window
    expect(stream.received).toBe(STREAM_WINDOW_BYTES);
    expect(pulled).toBeLessThanOrEqual(STREAM_WINDOW_BYTES + 2 * 64 * 1024);
    const reader = stream.readable.getReader();
    for (let i = 0; i < 20; i++) await reader.read(); // read 20 chunks: the sender goes on by as much
    await until(net, () => stream.received >= STREAM_WINDOW_BYTES + 20 * 64 * 1024 - 2 * 64 * 1024, 'credit flows back');
    await net.run(10_000);
    expect(stream.received - 20 * 64 * 1024).toBeLessThanOrEqual(STREAM_WINDOW_BYTES);
    await reader.cancel('enough');
    await expect(sending).rejects.toThrow(StreamCancelledError);
    await expect(sending).rejects.toThrow(/enough/);
  });

  test('the sender aborts: its promise rejects with AbortError, the reader errors with AbortError', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { streams: streams() });
    await chain([a!, b!]);
    const controller = new AbortController();
    const incoming = nextStream(b!);
    const sending = a!.sendStream(b!.id, pattern(8 * 1024 * 1024), { signal: controller.signal });
    sending.catch(() => {});
    const stream = await incoming;
    const reader = stream.readable.getReader();
    await reader.read();
    controller.abort();
    await expect(sending).rejects.toThrow(AbortError);
    let outcome: unknown;
    void (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().then((end) => (outcome = end), (error: unknown) => (outcome = error));
    await until(net, () => outcome !== undefined, 'the abort reaches the reader');
    expect(outcome).toBeInstanceOf(AbortError);
  });

  test('refused without a listener; unreachable target; the receiver leaving cuts the stream', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { streams: streams() });
    await chain([a!, b!]);
    await expect(a!.sendStream(b!.id, pattern(10))).rejects.toThrow(StreamRefusedError);
    await expect(a!.sendStream('3soAb1XFyvZYyqgFNTxcXvzEBU6p8n821ifyVVANipvt', pattern(10))).rejects.toThrow(StreamUnreachableError);
    const incoming = nextStream(b!);
    const sending = a!.sendStream(b!.id, pattern(4 * 1024 * 1024));
    sending.catch(() => {});
    await incoming; // not read: the sender waits for credit when b goes
    await b!.close();
    await expect(sending).rejects.toThrow(StreamPeerLeftError);
  });
});

describe('streams across the mesh', () => {
  // Most of its time is SHA-256 of every message id (PROTOCOL.md §1.1), at both ends of each hop.
  test('64 MiB crosses a relay to a non-neighbour with monotonic progress on both ends', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { maxOutgoing: 0, streams: streams() });
    await chain(nodes); // a - b - d: a and d are not neighbours
    const [a, , d] = nodes as [MeshSocket, MeshSocket, MeshSocket];
    expect(a.routingTable.has(d.id)).toBe(false);
    const size = 64 * 1024 * 1024;
    const data = pattern(size, 9);
    const incoming = nextStream(d);
    const sent: number[] = [];
    const sending = a.sendStream(d.id, data, { onProgress: (n) => sent.push(n) });
    const stream = await incoming;
    const received: number[] = [];
    stream.on('progress', (n) => received.push(n));
    expect(await readChecking(stream, data)).toBe(size);
    await sending;
    expect(monotonic(sent) && sent.at(-1) === size && sent.length > 10).toBe(true);
    expect(monotonic(received) && received.at(-1) === size).toBe(true);
  }, 120_000);

  test('the reader cancels a relayed stream: the sender gets StreamCancelledError; a relay leaving cuts both ends', async () => {
    const net = makeNet();
    const nodes = meshNodes(net, 3, { maxOutgoing: 0, streams: streams() });
    await chain(nodes);
    const [a, b, c] = nodes as [MeshSocket, MeshSocket, MeshSocket];
    let incoming = nextStream(c);
    let sending = a.sendStream(c.id, pattern(4 * 1024 * 1024));
    sending.catch(() => {});
    let stream = await incoming;
    await stream.readable.cancel('no thanks');
    await expect(sending).rejects.toThrow(StreamCancelledError);

    incoming = nextStream(c);
    sending = a.sendStream(c.id, pattern(4 * 1024 * 1024));
    sending.catch(() => {});
    stream = await incoming;
    const reading = stream.bytes();
    reading.catch(() => {});
    await b.close();
    await expect(sending).rejects.toThrow(StreamPeerLeftError);
    // The reader hears of it when b's link to it closes, in virtual time: run the network meanwhile.
    await expect(net.clock.whilePending(reading)).rejects.toThrow(StreamPeerLeftError);
  });
});

test('aborting while the source is stuck in a read rejects at once, and the receiver hears of it', async () => {
  const net = makeNet();
  const [a, b] = meshNodes(net, 2, { streams: streams() });
  await chain([a!, b!]);
  const stuck = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new Uint8Array(10)) }); // then never more
  const controller = new AbortController();
  const incoming = nextStream(b!);
  const sending = a!.sendStream(b!.id, stuck, { signal: controller.signal });
  const stream = await incoming;
  const reader = stream.readable.getReader();
  expect((await reader.read()).value?.length).toBe(10);
  controller.abort();
  await expect(sending).rejects.toThrow(AbortError);
  let outcome: unknown;
  reader.read().then(() => (outcome = 'read'), (error: unknown) => (outcome = error));
  await until(net, () => outcome !== undefined, 'the reader hears of the abort');
  expect(outcome).toBeInstanceOf(AbortError);
});

test('a relay lowers a large window to its own: a stalled reader holds the relay to one relay window, and reading finishes it', async () => {
  const net = makeNet();
  const [a, relay] = meshNodes(net, 2, { maxOutgoing: 0, streams: streams() });
  const d = new MeshSocket({ transport: net.transport(), maxOutgoing: 0, streams: streams({ windowBytes: 8 * RELAY_WINDOW_BYTES }) });
  await chain([a!, relay!, d]);
  let pulled = 0;
  const size = 6 * RELAY_WINDOW_BYTES;
  async function* source() {
    for (; pulled < size; pulled += 64 * 1024) yield pattern(64 * 1024, pulled);
  }
  const incoming = nextStream(d);
  const sending = a!.sendStream(d.id, source());
  const stream = await incoming;
  await net.run(10_000); // nobody reads yet
  expect(stream.received).toBe(RELAY_WINDOW_BYTES);
  expect(pulled).toBeLessThanOrEqual(RELAY_WINDOW_BYTES + 64 * 1024);
  expect((await stream.bytes()).length).toBe(size); // the receiver's acks (its window is 8× larger) still free the sender
  await sending;
});

test('a sender that crashes mid-stream: the reader errors with StreamPeerLeftError', async () => {
  const net = makeNet();
  const [a, b] = meshNodes(net, 2, { streams: streams() });
  await chain([a!, b!]);
  const incoming = nextStream(b!);
  a!.sendStream(b!.id, pattern(4 * 1024 * 1024)).catch(() => {});
  const stream = await incoming;
  const reader = stream.readable.getReader();
  await reader.read();
  net.kill(a!);
  let outcome: unknown;
  void (async () => {
    for (;;) if ((await reader.read()).done) return 'ended';
  })().then((end) => (outcome = end), (error: unknown) => (outcome = error));
  await until(net, () => outcome !== undefined, 'the reader hears that the sender is gone');
  expect(outcome).toBeInstanceOf(StreamPeerLeftError);
});

test('a relay already carrying its maximum passes no route on: the sender gets StreamUnreachableError', async () => {
  const net = makeNet();
  const a = new MeshSocket({ transport: net.transport(), maxOutgoing: 0, streams: streams({ openTimeoutMs: 3_000 }) });
  const relay = new MeshSocket({ transport: net.transport(), maxOutgoing: 0, streams: streams({ maxRelayed: 0 }) });
  const [c] = meshNodes(net, 1, { maxOutgoing: 0, streams: streams() });
  c!.on('stream', () => {});
  await chain([a, relay, c!]);
  await expect(a.sendStream(c!.id, pattern(10))).rejects.toThrow(StreamUnreachableError);
});

describe('a socket made without streams (issue 20: they are opt-in, web2p/streams)', () => {
  test('refuses a stream opened to it, with a StreamRefusedError that says so; its own sendStream says how to enable them', async () => {
    const net = makeNet();
    const [sender] = meshNodes(net, 1, { streams: streams() });
    const [plain] = meshNodes(net, 1);
    plain!.on('stream', () => {}); // a listener is not enough: the feature is not there
    await chain([sender!, plain!]);
    const refused = await sender!.sendStream(plain!.id, pattern(10)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StreamRefusedError);
    expect((refused as Error).message).toMatch(/made without streams/);
    await expect(plain!.sendStream(sender!.id, pattern(10))).rejects.toThrow(StreamsNotEnabledError);
    expect(() => streams({ windowBytes: 0 })).toThrow(RangeError);
  });
});
