/**
 * A Node bot that bridges a browser room and a py2p network: one MeshSocket with two transports,
 * WebRTC (browsers meet it in a signaling room) and py2p's TCP (py2p and js2p peers dial it, or it
 * dials them). Broadcasts from either side reach the other, relayed by the one mesh; the bot also
 * answers `ping` with a `pong` to whoever asked, browser or Python.
 *
 *   node bridge.js ws://127.0.0.1:8787/chat 192.168.1.14:4444
 *
 * Browsers and py2p must speak the same protocol: here py2p's `MeshSocket(..., prot=Protocol('chat', 'Plaintext'))`.
 */
import { CompositeTransport, MeshSocket, Protocol, nodeWebRtcTransport, tcpTransport } from 'web2p/node';

const [room, py2pPeer] = process.argv.slice(2);
if (!room) {
  console.error('usage: node bridge.js ws://HOST:PORT/ROOM [PY2P_HOST:PORT]');
  process.exit(2);
}

const bridge = new MeshSocket({
  protocol: new Protocol('chat', 'Plaintext'),
  transport: new CompositeTransport([
    tcpTransport({ listen: { host: '0.0.0.0', port: 4445 } }), // py2p peers may dial us here
    nodeWebRtcTransport({ iceServers: [] }), // needs the optional package node-datachannel
  ]),
});
bridge.on('error', (error) => console.error('bridge:', error.message));
bridge.on('peer', (id) => console.log(`peer ${id} (${bridge.routingTable.size} in all)`));
bridge.on('message', (msg) => {
  console.log(`${msg.sender.slice(0, 8)}:`, ...msg.packets);
  if (msg.packets[1] === 'ping') void msg.reply('pong'); // straight back, or routed across the bridge
});

await bridge.listening;
console.log(`listening as ${bridge.address}`);
await bridge.connect(room); // the browsers' room
if (py2pPeer) {
  const [host, port] = py2pPeer.split(':');
  await bridge.connect(host!, Number(port)); // a py2p or js2p peer
}
console.log('bridging; Ctrl-C to stop');
process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)));
