import WebSocket, { WebSocketServer } from 'ws';
import type { Clock } from '../runtime/clock.js';
import { hostPort, listening, opened, type Stack } from './stack.js';
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
      // The link listens from the start: the server may send as soon as it accepts, and a frame
      // that arrives with the upgrade response is emitted before a listener added on 'open' runs.
      const link = new WsLink(ws, true, url, clock);
      return opened(ws, 'open', url, signal, () => ws.terminate()).then(() => link);
    },
  };
}
