import { ConnectionClosedError } from '../errors.js';
import type { HeldLink } from './held-link.js';

/** A bound listener of one stack. */
export interface Listener {
  /** The port actually bound (the one asked for, or the one the system picked for 0). */
  readonly port: number;
  /** Stops accepting; links already made are the transport's to close. */
  close(): Promise<void>;
}

/**
 * One way of carrying py2p's byte stream between Node peers: raw TCP, TLS or WebSocket. The
 * transport adds addresses, bookkeeping and closing on top; a stack only opens sockets.
 */
export interface Stack {
  /** The address scheme: 'tcp', 'tls' or 'ws'. */
  readonly scheme: string;
  listen(host: string, port: number, onLink: (link: HeldLink) => void): Promise<Listener>;
  /** Resolves once the link can carry bytes (TLS: after its handshake; ws: once open). */
  dial(host: string, port: number, signal: AbortSignal): Promise<HeldLink>;
}

/** `host:port` as it goes into a URL or a log line (IPv6 in brackets). */
export function hostPort(host: string, port: number | undefined): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? '?'}`;
}

/** What listening needs of a server: node:net's, node:tls's and ws's all have it. */
interface ListeningServer {
  once(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'listening', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  address(): { port: number } | string | null;
  close(callback: () => void): unknown;
}

/** Resolves once `server` is bound, with its port and a way to stop it; rejects if binding fails. */
export function listening(server: ListeningServer, port: number): Promise<Listener> {
  return new Promise<Listener>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      // A failing accept must not crash the process; the link's own socket reports its errors.
      server.on('error', () => {});
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** What waiting for a connection needs of a socket: node:net's, node:tls's and ws's all have it. */
interface OpeningSocket {
  once(event: string, listener: (error: Error) => void): unknown;
  off(event: string, listener: (error: Error) => void): unknown;
}

/**
 * Resolves once `socket` emits `openEvent`; on an error first, or on `signal` aborting, it calls
 * `destroy` and rejects with a ConnectionClosedError naming `address`.
 */
export function opened(socket: OpeningSocket, openEvent: string, address: string, signal: AbortSignal, destroy: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const abort = (): void => fail(new Error('the transport was closed'));
    const fail = (error: Error): void => {
      signal.removeEventListener('abort', abort);
      destroy();
      reject(new ConnectionClosedError(`could not connect to ${address}: ${error.message}`));
    };
    signal.addEventListener('abort', abort, { once: true });
    socket.once('error', fail);
    socket.once(openEvent, () => {
      signal.removeEventListener('abort', abort);
      socket.off('error', fail);
      resolve();
    });
  });
}
