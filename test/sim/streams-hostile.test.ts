/** Hostile stream frames (issue 18): whatever a peer sends, what the receiver and relays hold stays bounded. */
import { describe, expect, test } from 'vitest';
import { MeshSocket, StreamError, StreamIdCollisionError, type IncomingStream } from '../../packages/web2p/src/index.js';
import { MAX_INCOMING_STREAMS_PER_PEER, STREAM_WINDOW_BYTES } from '../../packages/web2p/src/mesh/streams/constants.js';
import { flags, type Packet } from '../../packages/web2p/src/wire/index.js';
import { streams as streamsFeature } from '../../packages/web2p/src/streams/index.js';
import { chain, makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const S = 'web2p:stream';

/** A node that accepts every stream, and a raw peer linked to it. */
async function target() {
  const net = makeNet();
  const [node] = meshNodes(net, 1, { trust: 'legacy', streams: streamsFeature() }) as [MeshSocket]; // the raw peer cannot prove an id
  const streams: IncomingStream[] = [];
  node.on('stream', (stream) => streams.push(stream));
  const raw = await RawPeer.connect(net, node.address);
  raw.handshake(node.protocol.id);
  await until(net, () => node.routingTable.size === 1, 'the raw peer joins');
  const whisper = (...payload: Packet[]) => raw.sendPackets(flags.whisper, payload);
  /** The stream frames the node sent the raw peer: [kind, id, ...]. */
  const replies = () => raw.received.filter((m) => m.payload[0] === S).map((m) => m.payload.slice(1));
  return { net, node, raw, streams, whisper, replies };
}

describe('hostile stream frames', () => {
  test('a sender that overruns the window is dropped, and its stream errors', async () => {
    const { net, node, raw, streams, whisper, replies } = await target();
    whisper(S, 'open', 'a1', raw.id, node.id, 'x', -1);
    await until(net, () => replies().length === 1, 'accept');
    expect(replies()[0]).toEqual(['accept', 'a1', STREAM_WINDOW_BYTES]);
    const failed = readerError(streams[0]!); // locks the readable without reading: no credit goes back
    // a window's worth, then one byte more, without reading any credit
    for (let sent = 0; sent < STREAM_WINDOW_BYTES; sent += 64 * 1024) whisper(S, 'data', 'a1', new Uint8Array(64 * 1024));
    whisper(S, 'data', 'a1', new Uint8Array(1));
    await until(net, () => raw.closed, 'the node drops the peer');
    expect(await failed).toBeInstanceOf(StreamError);
  });

  test('frames for unknown streams and acks nobody asked for are ignored, holding nothing', async () => {
    const { net, node, raw, whisper } = await target();
    for (let i = 0; i < 1000; i++) {
      whisper(S, 'data', `u${i}`, new Uint8Array(1024));
      whisper(S, 'ack', `u${i}`, 5);
      whisper(S, 'cancel', `u${i}`, 'abort', '');
    }
    await net.run(2_000);
    expect(raw.closed).toBe(false);
    expect(node.routingTable.size).toBe(1);
  });

  test('more open streams than allowed from one peer are refused; a reused id is a collision', async () => {
    const { net, streams, raw, node, whisper, replies } = await target();
    for (let i = 0; i <= MAX_INCOMING_STREAMS_PER_PEER; i++) whisper(S, 'open', `s${i}`, raw.id, node.id, '', 10);
    whisper(S, 'open', 's0', raw.id, node.id, '', 10);
    await until(net, () => replies().length === MAX_INCOMING_STREAMS_PER_PEER + 2, 'an answer to each open');
    expect(streams.length).toBe(MAX_INCOMING_STREAMS_PER_PEER);
    const answers = replies().map(([kind, id, code]) => `${String(kind)} ${String(id)}${kind === 'cancel' ? ` ${String(code)}` : ''}`);
    expect(answers.slice(-2)).toEqual([`cancel s${MAX_INCOMING_STREAMS_PER_PEER} refused`, 'cancel s0 collision']);
  });

  test('malformed frames and opens on no route drop the peer', async () => {
    for (const payload of [
      [S, 'nonsense', 'z1'],
      [S, 'data', 'z1', 'not bytes'],
      [S, 'open', 'x'.repeat(100), 'a', 'b', '', -1],
      [S, 'ack', 'z1', -5],
    ] as Packet[][]) {
      const { net, raw, whisper } = await target();
      whisper(...payload);
      await until(net, () => raw.closed, `dropped for ${JSON.stringify(payload).slice(0, 60)}`);
    }
    const { net, raw, whisper } = await target();
    whisper(S, 'open', 'r1', 'someone-else', 'another-node', '', -1); // not for it, and no route through it
    await until(net, () => raw.closed, 'dropped for an open on no route');
  });

  test('a receiver answering that the id is in use: the sender gets StreamIdCollisionError', async () => {
    const { net, node, raw, replies, whisper } = await target();
    const sending = node.sendStream(raw.id, new Uint8Array(10));
    sending.catch(() => {});
    await until(net, () => replies().some(([kind]) => kind === 'open'), 'the open');
    whisper(S, 'cancel', replies()[0]![1]!, 'collision', 'in use');
    await expect(sending).rejects.toThrow(StreamIdCollisionError);
  });

  test('a receiver granting a window over the maximum is dropped by the sender', async () => {
    const { net, node, raw, replies, whisper } = await target();
    const sending = node.sendStream(raw.id, new Uint8Array(10));
    sending.catch(() => {});
    await until(net, () => replies().some(([kind]) => kind === 'open'), 'the open');
    const id = replies()[0]![1]!;
    whisper(S, 'accept', id, 2 ** 40);
    await until(net, () => raw.closed, 'the sender drops the peer');
    await expect(sending).rejects.toThrow(StreamError);
  });
});

test('a relay cuts a sender that overruns the window it passed back, and holds no more than that', async () => {
  const net = makeNet();
  const nodes = meshNodes(net, 2, { maxOutgoing: 0, trust: 'legacy', streams: streamsFeature() }); // the raw peer cannot prove an id
  await chain(nodes);
  const [relay, receiver] = nodes as [MeshSocket, MeshSocket];
  const streams: IncomingStream[] = [];
  receiver.on('stream', (stream) => streams.push(stream));
  const raw = await RawPeer.connect(net, relay.address);
  raw.handshake(relay.protocol.id);
  await until(net, () => relay.routingTable.size === 2, 'the raw peer joins the relay');
  raw.sendPackets(flags.broadcast, ['web2p:stream-route', 'find', 'r9', receiver.id]);
  await until(net, () => raw.received.some((m) => m.payload[0] === 'web2p:stream-route'), 'the route is found');
  raw.sendPackets(flags.whisper, [S, 'open', 'r9', raw.id, receiver.id, '', -1]);
  await until(net, () => raw.received.some((m) => m.payload[1] === 'accept'), 'accepted through the relay');
  for (let sent = 0; sent <= STREAM_WINDOW_BYTES; sent += 64 * 1024) raw.sendPackets(flags.whisper, [S, 'data', 'r9', new Uint8Array(64 * 1024)]);
  await until(net, () => raw.closed, 'the relay drops the sender');
  expect(streams[0]!.received).toBeLessThanOrEqual(STREAM_WINDOW_BYTES);
  let error: unknown;
  void readerError(streams[0]!).then((e) => (error = e));
  await until(net, () => error !== undefined, 'the receiver hears of it');
  expect(error).toBeInstanceOf(StreamError);
});

/** What the stream's readable errors with (undefined if it closes), without reading from it. */
function readerError(stream: IncomingStream): Promise<unknown> {
  return stream.readable.getReader().closed.then(() => undefined, (error: unknown) => error);
}
