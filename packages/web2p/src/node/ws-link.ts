import type WebSocket from 'ws';
import { ConnectionClosedError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { CLOSE_LINGER_MS } from './constants.js';
import { HeldLink } from './held-link.js';

/** WebSocket's normal closure code. */
const NORMAL_CLOSURE = 1000;

/**
 * A `Link` over an open WebSocket, as js2p's 'ws' encryption uses it: each send is one binary
 * message carrying bytes of py2p frames (4-byte header included); the receiver joins them again.
 */
export class WsLink extends HeldLink {
  readonly #ws: WebSocket;
  readonly #clock: Clock;

  constructor(ws: WebSocket, outgoing: boolean, remoteAddress: string | undefined, clock: Clock) {
    super(outgoing, remoteAddress);
    this.#ws = ws;
    this.#clock = clock;
    ws.binaryType = 'nodebuffer';
    // js2p sends binary messages; text from some other client goes to the frame decoder as its UTF-8 bytes.
    ws.on('message', (data: Buffer) => this.deliver(data));
    ws.on('close', () => this.end(undefined));
    ws.on('error', (error) => this.end(new ConnectionClosedError(`the WebSocket to ${remoteAddress ?? 'a peer'} failed: ${error.message}`)));
  }

  protected pending(): number {
    return this.#ws.bufferedAmount;
  }

  protected write(bytes: Uint8Array): void {
    // The callback runs once the bytes are written to the socket: ws has no 'drain' of its own.
    this.#ws.send(bytes, { binary: true }, () => this.drained());
  }

  protected stopReading(): void {
    this.#ws.pause();
  }

  protected startReading(): void {
    this.#ws.resume();
  }

  protected destroy(): void {
    this.#ws.terminate();
  }

  protected shutdown(): void {
    const ws = this.#ws;
    if (ws.readyState === ws.CLOSED) return;
    ws.close(NORMAL_CLOSURE);
    // The closing handshake needs the peer; one that never answers must not keep the socket open.
    const linger = this.#clock.setTimeout(() => ws.terminate(), CLOSE_LINGER_MS);
    ws.once('close', () => this.#clock.clearTimeout(linger));
  }
}
