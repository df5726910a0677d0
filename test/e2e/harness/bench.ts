/**
 * The page bench/browser.js drives: one endpoint of one system per page, so that every system is
 * measured by the same code. Systems: a raw RTCDataChannel, simple-peer (a thin wrapper, the
 * reference), and MeshSocket whispers and broadcasts over WebRTC. Raw and simple-peer signal through
 * a plain WebSocket relay the bench serves; web2p through its signaling server.
 *
 * Every message is checked: a stream's sequence numbers must arrive in order without gaps, and its
 * bytes must equal the pattern the sender wrote (loss, order and byte integrity). The page is cross-
 * origin isolated (the bench serves COOP/COEP headers), so performance.now() ticks in microseconds.
 */
import './node-globals.js';
import SimplePeer from 'simple-peer';
import { DataChannelLink, MeshSocket, flags } from '../../../packages/web2p/src/index.js';
import { createMessage, FrameReader, HEADER_BYTES, parseBody } from '../../../packages/web2p/src/wire/index.js';

export type SystemName = 'raw' | 'raw-link' | 'raw-wire' | 'simple-peer' | 'web2p-whisper' | 'web2p-broadcast' | 'web2p-queue';

/** The backpressure marks a sender keeps to: wait above `high` until the held bytes fall to `low`. */
interface Marks {
  high: number;
  low: number;
}

/** One side of a connection, whatever the system. */
interface Endpoint {
  send(bytes: Uint8Array): void;
  /** Undefined when the sender may go on; else resolves once the held bytes fell to the low mark. */
  backpressure(marks: Marks): Promise<void> | undefined;
  /** Set on a bare data channel's endpoints: the receiver reports what it took in (CREDIT), the sender counts it. */
  credit?: { startStream(): void; received(bytes: number): void };
  close(): void;
}

/** Message kinds, in byte 4 (bytes 0..3 are the sequence number). */
const FIRST = 0;
const STREAM = 1;
const PING = 2;
const PONG = 3;
/** Receiver → sender on a bare channel: seq = stream bytes taken in so far (see channelEndpoint). */
const CREDIT = 4;
const HEADER = 5;
/**
 * How often a bare channel's receiver reports the bytes it took in: a quarter of the low mark (1 MiB),
 * so a waiting sender hears within a quarter of what it waits for; one 5-byte message per 256 KiB.
 */
const CREDIT_EVERY_BYTES = 256 * 1024;

/** The bytes after the header: a fixed pattern, so the receiver can check every byte cheaply. */
function patternByte(i: number): number {
  return (i * 31 + 7) & 0xff;
}

function message(kind: number, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, HEADER));
  new DataView(bytes.buffer).setUint32(0, seq, true);
  bytes[4] = kind;
  for (let i = HEADER; i < bytes.length; i++) bytes[i] = patternByte(i);
  return bytes;
}

function intact(bytes: Uint8Array): boolean {
  for (let i = HEADER; i < bytes.length; i++) if (bytes[i] !== patternByte(i)) return false;
  return true;
}

/** Called with its arrival time when the first message arrives, if the bench is waiting for it (api.whenFirst). */
let firstArrived: ((at: number) => void) | undefined;

/** What the receiving page counts; read by the bench after each phase. */
const stats = {
  firstAt: 0,
  /** Stream messages and bytes received, and the next sequence number expected. */
  messages: 0,
  bytes: 0,
  expected: 0,
  /** Out of order or missing (seq not the one expected), and bytes not as sent. */
  orderErrors: 0,
  corrupt: 0,
  /** The measuring window: from the first stream message + warm-up, for windowMs. */
  warmupMs: 0,
  windowMs: 0,
  streamStartedAt: 0,
  windowMessages: 0,
  windowBytes: 0,
};

let endpoint: Endpoint | undefined;
let echo = false;
let pong: ((seq: number) => void) | undefined;

function received(bytes: Uint8Array): void {
  const now = performance.now();
  const kind = bytes[4];
  // Read byte by byte, not through a DataView: a view needs `bytes.buffer`, which for a small array
  // V8 keeps on its heap (web2p hands its payload so, raw an ArrayBuffer's view) first moves off it,
  // about 7 µs a message in Chromium profiles, charged to one system and not the others.
  const seq = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  if (!intact(bytes)) stats.corrupt++;
  if (kind === STREAM) {
    if (stats.messages === 0) stats.streamStartedAt = now;
    if (seq !== stats.expected) stats.orderErrors++;
    stats.expected = seq + 1;
    stats.messages++;
    const before = stats.bytes;
    stats.bytes += bytes.byteLength;
    if (endpoint?.credit && Math.floor(stats.bytes / CREDIT_EVERY_BYTES) > Math.floor(before / CREDIT_EVERY_BYTES)) {
      endpoint.send(message(CREDIT, stats.bytes >>> 0, HEADER));
    }
    const since = now - stats.streamStartedAt - stats.warmupMs;
    if (since >= 0 && since < stats.windowMs) {
      stats.windowMessages++;
      stats.windowBytes += bytes.byteLength;
    }
  } else if (kind === FIRST) {
    if (stats.firstAt === 0) {
      stats.firstAt = performance.timeOrigin + now;
      firstArrived?.(stats.firstAt);
    }
  } else if (kind === PING) {
    if (echo) endpoint!.send(message(PONG, seq, bytes.byteLength));
  } else if (kind === PONG) {
    pong?.(seq);
  } else if (kind === CREDIT) {
    endpoint?.credit?.received(seq);
  }
}

// ------------------------------------------------------------------ systems

/** A plain WebSocket relay (the bench's): JSON messages to the other page of the room. */
async function relay(url: string): Promise<{ send(data: unknown): void; onData(fn: (data: unknown) => void): void; close(): void }> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return {
    send: (data) => ws.send(JSON.stringify(data)),
    onData: (fn) => (ws.onmessage = (event) => fn(JSON.parse(event.data as string))),
    close: () => ws.close(),
  };
}

/**
 * A bare RTCDataChannel's endpoint (raw and simple-peer). Its bufferedAmount alone is no backpressure:
 * Chromium hands every received message to the page's main thread without bound, and a receiver fed
 * 100-byte messages at channel speed grew from 0.2 to 0.9 GB in a second and crashed (the sender
 * then waited for ever). So the held bytes are those sent and not yet taken in by the receiving
 * page, as its CREDIT messages report: the same marks as web2p's, counted to the other application.
 * `send` is the system's own (simple-peer's wraps the channel's).
 */
function channelEndpoint(send: (bytes: Uint8Array) => void, close: () => void): Endpoint {
  let sent = 0;
  let taken = 0;
  let waiting: { low: number; resolve: () => void } | undefined;
  return {
    send(bytes) {
      send(bytes);
      if (bytes[4] === STREAM) sent += bytes.byteLength;
    },
    backpressure({ high, low }) {
      if (sent - taken <= high) return undefined;
      return new Promise((resolve) => (waiting = { low, resolve }));
    },
    credit: {
      startStream() {
        sent = 0;
        taken = 0;
      },
      received(bytes) {
        taken = bytes;
        if (waiting && sent - taken <= waiting.low) {
          waiting.resolve();
          waiting = undefined;
        }
      },
    },
    close,
  };
}

function onChannelMessages(channel: RTCDataChannel): void {
  channel.binaryType = 'arraybuffer';
  channel.onmessage = (event) => received(new Uint8Array(event.data as ArrayBuffer));
}

/**
 * Raw's channel with web2p's layers added one at a time, to tell which of them a round trip pays
 * for: `link` sends and receives through web2p's DataChannelLink; `wire` also wraps each message
 * as py2p's whisper (createMessage with a node id's length of sender) and reads it back
 * (FrameReader, parseBody), with nothing of the mesh around it.
 */
type Layers = 'link' | 'wire';

/** A node id's length of sender for the `wire` layer: the bytes a whisper carries. */
const SENDER_ID = 'Q'.repeat(66);

function layered(channel: RTCDataChannel, pc: RTCPeerConnection, dial: boolean, layers: Layers): Endpoint {
  const link = new DataChannelLink(channel as never, pc as never, { outgoing: dial });
  const reader = new FrameReader();
  const wire = layers === 'wire';
  link.attach({
    data: (bytes) => {
      if (!wire) return received(bytes);
      for (const frame of reader.pushFrames(bytes)) received(parseBody(frame, { whisperIdUnchecked: true }, true, HEADER_BYTES).payload[1] as Uint8Array);
    },
    close: () => {},
  });
  const frame = (bytes: Uint8Array): Uint8Array => createMessage(flags.whisper, SENDER_ID, Math.floor(Date.now() / 1000), [flags.whisper, bytes]).frame!;
  return channelEndpoint(wire ? (bytes) => link.send(frame(bytes)) : (bytes) => link.send(bytes), () => link.close());
}

/** Raw RTCDataChannel with trickle ICE through the relay; `dial` is the offerer; `layers` see layered(). */
async function raw(url: string, dial: boolean, layers?: Layers): Promise<Endpoint> {
  const signals = await relay(url);
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.onicecandidate = (event) => event.candidate && signals.send({ candidate: event.candidate.toJSON() });
  const opened = new Promise<RTCDataChannel>((resolve) => {
    const wait = (channel: RTCDataChannel): void => {
      if (channel.readyState === 'open') resolve(channel);
      else channel.onopen = () => resolve(channel);
    };
    if (dial) wait(pc.createDataChannel('raw', { ordered: true }));
    else pc.ondatachannel = (event) => wait(event.channel);
  });
  signals.onData(async (data) => {
    const { sdp, candidate } = data as { sdp?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };
    if (candidate) await pc.addIceCandidate(candidate);
    if (!sdp) return;
    await pc.setRemoteDescription(sdp);
    if (sdp.type === 'offer') {
      await pc.setLocalDescription(await pc.createAnswer());
      signals.send({ sdp: pc.localDescription!.toJSON() });
    }
  });
  if (dial) {
    await pc.setLocalDescription(await pc.createOffer());
    signals.send({ sdp: pc.localDescription!.toJSON() });
  } else {
    void opened.then((channel) => {
      if (layers) return void (endpoint = layered(channel, pc, false, layers));
      onChannelMessages(channel);
      endpoint = channelEndpoint((bytes) => channel.send(bytes as Uint8Array<ArrayBuffer>), () => pc.close());
    });
    return { send: () => {}, backpressure: () => undefined, close: () => pc.close() };
  }
  const channel = await opened;
  signals.close();
  if (layers) return layered(channel, pc, true, layers);
  onChannelMessages(channel);
  return channelEndpoint((bytes) => channel.send(bytes as Uint8Array<ArrayBuffer>), () => pc.close());
}

/** simple-peer 9 over the same relay; its send() is the channel's. */
async function simplePeer(url: string, dial: boolean): Promise<Endpoint> {
  const signals = await relay(url);
  const peer = new SimplePeer({ initiator: dial, trickle: true, config: { iceServers: [] } });
  peer.on('signal', (data) => signals.send(data));
  signals.onData((data) => peer.signal(data as SimplePeer.SignalData));
  peer.on('data', (data: Uint8Array) => received(data));
  const connected = new Promise<void>((resolve) => peer.once('connect', () => resolve()));
  const make = (): Endpoint => channelEndpoint((bytes) => peer.send(bytes), () => peer.destroy());
  if (!dial) {
    void connected.then(() => (endpoint = make()));
    return { send: () => {}, backpressure: () => undefined, close: () => peer.destroy() };
  }
  await connected;
  signals.close();
  return make();
}

/** MeshSocket in a signaling room; whispers or broadcasts, with the socket's public backpressure. */
async function web2p(url: string, dial: boolean, broadcast: boolean): Promise<Endpoint> {
  // At the default limits: senders pace themselves to them (PROTOCOL.md §14.19).
  const sock = new MeshSocket({ iceServers: [] });
  sock.registerHandler((msg, _conn) => {
    const bytes = msg.packets[1];
    if (!(bytes instanceof Uint8Array)) return false;
    received(bytes);
    return true; // claimed: the recv queue is not part of this measurement
  });
  const options = broadcast ? {} : { flag: flags.whisper, type: flags.whisper };
  const made: Endpoint = {
    send: (bytes) => void sock.send(bytes, options),
    backpressure: ({ high, low }) => (sock.bufferedAmount <= high ? undefined : sock.whenWritable(low)),
    close: () => void sock.close(),
  };
  const peer = new Promise<void>((resolve) => sock.once('peer', () => resolve()));
  await sock.connect(url);
  if (dial) await peer;
  return made;
}

const systems: Record<SystemName, (url: string, dial: boolean) => Promise<Endpoint>> = {
  raw,
  'raw-link': (url, dial) => raw(url, dial, 'link'),
  'raw-wire': (url, dial) => raw(url, dial, 'wire'),
  'simple-peer': simplePeer,
  'web2p-whisper': (url, dial) => web2p(url, dial, false),
  'web2p-broadcast': (url, dial) => web2p(url, dial, true),
  'web2p-queue': (url, dial) => web2p(url, dial, false),
};

// ------------------------------------------------------------------ what the bench calls

const api = {
  isolated: crossOriginIsolated,
  stats,

  /** The receiving side: ready when this resolves (in the room, or on the relay). */
  async listen(system: SystemName, url: string): Promise<void> {
    endpoint = await systems[system](url, false);
  },

  /** The dialling side: connects and sends one message the moment it can. Returns when it started, in epoch ms. */
  async dial(system: SystemName, url: string): Promise<number> {
    const started = performance.timeOrigin + performance.now();
    endpoint = await systems[system](url, true);
    endpoint.send(message(FIRST, 0, 64));
    return started;
  },

  /** The receiver's measuring window, set before a stream. */
  expect(warmupMs: number, windowMs: number): void {
    Object.assign(stats, { messages: 0, bytes: 0, expected: 0, windowMessages: 0, windowBytes: 0, warmupMs, windowMs });
  },

  /** Sends numbered `size`-byte messages for `durationMs`, keeping to `marks`. Returns how many it sent. */
  async stream(size: number, durationMs: number, marks: Marks): Promise<number> {
    const out = endpoint!;
    out.credit?.startStream();
    const bytes = message(STREAM, 0, size);
    const seq = new DataView(bytes.buffer);
    const end = performance.now() + durationMs;
    let sent = 0;
    for (;;) {
      // the clock is read every 64 messages: often enough, and never the cost being measured
      if ((sent & 63) === 0 && performance.now() >= end) return sent;
      seq.setUint32(0, sent, true);
      out.send(bytes);
      sent++;
      const wait = out.backpressure(marks);
      if (wait) await wait;
    }
  },

  /** Ping-pong `count` times (the other page echoes); returns each round trip in ms. */
  async pings(count: number, size: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const back = new Promise<void>((resolve) => (pong = (seq) => seq === i && resolve()));
      const t0 = performance.now();
      endpoint!.send(message(PING, i, size));
      await back;
      times.push(performance.now() - t0);
    }
    return times;
  },

  /**
   * When the first message arrived, in epoch ms, once it has: the bench waits for it so, not by
   * polling the page, whose polls would add main-thread time to the connection being measured.
   */
  whenFirst(): Promise<number> {
    return stats.firstAt !== 0 ? Promise.resolve(stats.firstAt) : new Promise((resolve) => (firstArrived = resolve));
  },

  /** Closes the endpoint and forgets the first message, for another connection in the same page. */
  reset(): void {
    endpoint?.close();
    endpoint = undefined;
    stats.firstAt = 0;
  },

  setEcho(on: boolean): void {
    echo = on;
  },

  close(): void {
    endpoint?.close();
  },
};

declare global {
  interface Window {
    benchPage: typeof api;
  }
}

window.benchPage = api;
document.getElementById('status')!.textContent = 'ready';
