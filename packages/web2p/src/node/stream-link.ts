import type { Socket } from 'node:net';
import { ConnectionClosedError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { CLOSE_LINGER_MS } from './constants.js';
import { HeldLink } from './held-link.js';

/**
 * A `Link` over a connected TCP or TLS socket: py2p's byte stream as it is. The socket must be
 * connected (TLS: past its handshake); the link listens to it from construction on.
 */
export class StreamLink extends HeldLink {
  readonly #socket: Socket;
  readonly #clock: Clock;

  constructor(socket: Socket, outgoing: boolean, remoteAddress: string | undefined, clock: Clock) {
    super(outgoing, remoteAddress);
    this.#socket = socket;
    this.#clock = clock;
    // Latency matters more than packet count: frames are small and often answered.
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => this.deliver(bytes));
    socket.on('drain', () => this.drained());
    socket.on('end', () => this.end(undefined));
    socket.on('close', () => this.end(undefined));
    socket.on('error', (error) => this.end(new ConnectionClosedError(`the connection to ${remoteAddress ?? 'a peer'} failed: ${error.message}`)));
  }

  protected pending(): number {
    return this.#socket.writableLength;
  }

  protected write(bytes: Uint8Array): void {
    this.#socket.write(bytes);
  }

  protected stopReading(): void {
    this.#socket.pause();
  }

  protected startReading(): void {
    this.#socket.resume();
  }

  protected destroy(): void {
    this.#socket.destroy();
  }

  protected shutdown(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.end();
    // A peer that never answers our FIN must not keep the socket open.
    const linger = this.#clock.setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
    socket.once('close', () => this.#clock.clearTimeout(linger));
  }
}
