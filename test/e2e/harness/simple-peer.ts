/**
 * A page for test/e2e/simple-peer.spec.ts: the app negotiates a connection with simple-peer (the
 * test carries its signals from page to page, as an app's own signaling would), then runs a web2p
 * MeshSocket over it through `web2p/simple-peer`. State lives on `window.app`.
 */
import './node-globals.js';
import SimplePeer from 'simple-peer';
import { MeshSocket, flags } from '../../../packages/web2p/src/index.js';
import { SimplePeerTransport } from '../../../packages/web2p/src/simple-peer/index.js';

const transport = new SimplePeerTransport();
const sock = new MeshSocket({ transport });
/** Signals for the other page, taken by the test. */
const outbox: SimplePeer.SignalData[] = [];
const heard: string[] = [];
let peer: SimplePeer.Instance | undefined;

sock.on('message', (msg) => {
  const text = String(msg.packets[1]);
  heard.push(`${msg.wire.type === flags.whisper ? 'whisper' : 'broadcast'}:${text}`);
  sock.recv();
  if (text === 'ping') void msg.reply('pong');
});

const app = {
  sock,
  flags,
  outbox,
  heard,
  /** Starts simple-peer as the app does; the mesh is added once it connects. */
  start(initiator: boolean): void {
    peer = new SimplePeer({ initiator, trickle: false, config: { iceServers: [] } });
    peer.on('signal', (data) => outbox.push(data));
    void transport.addPeer(peer);
  },
  signal(data: SimplePeer.SignalData): void {
    peer!.signal(data);
  },
  takeSignals(): SimplePeer.SignalData[] {
    return outbox.splice(0);
  },
};
Object.assign(window, { app });
document.getElementById('status')!.textContent = 'ready';
