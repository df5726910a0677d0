import WebSocket, { WebSocketServer } from 'ws';
import { ConnectionClosedError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import type { HeldLink } from './held-link.js';
import { hostPort, listening, type Stack } from './stack.js';
import { WsLink } from './ws-link.js';

/**
 * WebSocket: js2p's 'ws'. Any path is accepted, as js2p's server does. Per-message deflate stays
 * off: js2p's WebSocket library does not offer it, and frames are compressed by py2p's own rules.
 */
export function wsStack(clock: Clock): Stack {
  return {
    scheme: 'ws',
    listen(host, port, onLink) {
      const server = new WebSocketServer({ host, port, perMessageDeflate: false });
      server.on('connection', (ws, request) => {
        const socket = request.socket;
        onLink(new WsLink(ws, false, `ws://${hostPort(socket.remoteAddress ?? '?', socket.remotePort)}`, clock));
      });
      return listening(server, port);
    },
    dial(host, port, signal) {
      const url = `ws://${hostPort(host, port)}`;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      return new Promise<HeldLink>((resolve, reject) => {
        const abort = (): void => fail(new Error('the transport was closed'));
        const fail = (error: Error): void => {
          signal.removeEventListener('abort', abort);
          ws.terminate();
          reject(new ConnectionClosedError(`could not connect to ${url}: ${error.message}`));
        };
        signal.addEventListener('abort', abort, { once: true });
        ws.once('error', fail);
        ws.once('open', () => {
          signal.removeEventListener('abort', abort);
          ws.off('error', fail);
          resolve(new WsLink(ws, true, url, clock));
        });
      });
    },
  };
}
