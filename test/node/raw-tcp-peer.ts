/**
 * A hand-driven py2p peer over real TCP, for attacks: it completes the handshake like any peer and
 * then sends whatever frames or bytes a test builds (a WirePeer on the socket). It can stop
 * reading, as a slow reader does (`socket.pause()`).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sha256 } from '@noble/hashes/sha2.js';
import { zlibSync } from 'fflate';
import { StreamLink } from '../../packages/web2p/src/node/stream-link.js';
import { systemClock } from '../../packages/web2p/src/runtime/clock.js';
import { concatBytes, encodeFrame, encodeMsgpack, flags, type Packet } from '../../packages/web2p/src/wire/index.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import { WirePeer } from '../support/wire-peer.js';

export class RawTcpPeer extends WirePeer {
  /** Resolves when the victim (or the test) closed the connection. */
  readonly whenClosed = this.ended;

  private constructor(
    readonly socket: Socket,
    decode: boolean,
  ) {
    super(new StreamLink(socket, true, undefined, systemClock), { id: makeNodeId(randomBytes(32), 'raw'), compression: [flags.zlib, flags.gzip], decode });
  }

  /** Connects to a victim listening on 127.0.0.1:`port`; `decode: false` only counts what arrives. */
  static connect(port: number, options: { decode?: boolean } = {}): Promise<RawTcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawTcpPeer(socket, options.decode ?? true)));
      socket.once('error', reject);
    });
  }

  /** py2p's handshake, offering `compression`. */
  handshake(protocolId: string, compression: number[] = []): void {
    this.sendHandshake(this.id, protocolId, ['127.0.0.1', 1], compression);
  }

  /** A broadcast of `payload`, framed (compressed with `method` when given). */
  broadcast(payload: Packet[], options: { time?: number; method?: number } = {}): Uint8Array {
    return encodeFrame(this.message(flags.broadcast, payload, options.time), options.method);
  }

  /** Writes `bytes` as they are; false when the socket's buffer is full (as `socket.write`). */
  send(bytes: Uint8Array): boolean {
    this.sendBytes(bytes);
    return !this.socket.writableNeedDrain;
  }

  /** Drops the connection at once, as a crashed peer would. */
  override close(): void {
    this.socket.destroy();
  }
}

/** A frame whose header says `length` body bytes, for the bytes a test sends after it. */
export function frameHeader(length: number): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, length);
  return header;
}

/**
 * A whole frame around msgpack `body` (id included), compressed with zlib when `zlib` is set.
 * Built by hand, as a hostile peer would: the library itself never sends a body that compresses
 * past the ratio receivers accept.
 */
export function rawFrame(body: Uint8Array, zlib = false): Uint8Array {
  const plain = concatBytes([sha256(body), body]);
  const data = zlib ? zlibSync(plain) : plain;
  return concatBytes([frameHeader(data.length), data]);
}

/** msgpack of a broadcast `[broadcast, sender, now, 'flood', {}, {}, …]` with `count` empty maps: one byte each. */
export function emptyMapsBody(sender: string, count: number): Uint8Array {
  const head = encodeMsgpack([flags.broadcast, sender, Math.floor(Date.now() / 1000), 'flood']);
  // head is a fixarray of 4: rewrite it as an array32 of 4 + count, then append the maps
  const body = new Uint8Array(5 + head.length - 1 + count).fill(0x80);
  body[0] = 0xdd;
  new DataView(body.buffer).setUint32(1, 4 + count);
  body.set(head.subarray(1), 5);
  return body;
}
