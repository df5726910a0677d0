import { connect as netConnect, createServer as netCreateServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer } from 'node:tls';
import type { Clock } from '../runtime/clock.js';
import type { TlsCredentials } from './certificate.js';
import { hostPort, listening, opened, type Stack } from './stack.js';
import { StreamLink } from './stream-link.js';

/** Raw TCP: js2p's and py2p's 'Plaintext'. */
export function tcpStack(clock: Clock): Stack {
  return streamStack('tcp', clock, {
    createServer: (onSocket) => netCreateServer(onSocket),
    connect: (host, port) => ({ socket: netConnect({ host, port }), ready: 'connect' }),
  });
}

/**
 * TLS: 'SSL'. The server presents `credentials`; clients do not verify, as py2p and js2p do not
 * (their certificates are self-signed and made afresh at every start).
 */
export function tlsStack(clock: Clock, credentials: () => TlsCredentials): Stack {
  return streamStack('tls', clock, {
    createServer: (onSocket) => tlsCreateServer(credentials()).on('secureConnection', onSocket),
    connect: (host, port) => ({ socket: tlsConnect({ host, port, rejectUnauthorized: false }), ready: 'secureConnect' }),
  });
}

interface StreamKind {
  /** A server that hands over each socket once it can carry bytes. */
  createServer(onSocket: (socket: Socket) => void): Server;
  /** A dialling socket and the event after which it can carry bytes. */
  connect(host: string, port: number): { socket: Socket; ready: string };
}

function streamStack(scheme: string, clock: Clock, kind: StreamKind): Stack {
  const remote = (socket: Socket): string => `${scheme}://${hostPort(socket.remoteAddress ?? '?', socket.remotePort)}`;
  return {
    scheme,
    listen(host, port, onLink) {
      const server = kind.createServer((socket) => onLink(new StreamLink(socket, false, remote(socket), clock)));
      const bound = listening(server, port);
      server.listen(port, host);
      return bound;
    },
    dial(host, port, signal) {
      const address = `${scheme}://${hostPort(host, port)}`;
      const { socket, ready } = kind.connect(host, port);
      return opened(socket, ready, address, signal, () => socket.destroy()).then(() => new StreamLink(socket, true, address, clock));
    },
  };
}
