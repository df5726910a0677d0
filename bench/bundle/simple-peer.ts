/** bench:bundle's row for a mesh over simple-peer: MeshSocket with the web2p/simple-peer adapter (simple-peer itself is the app's). */
export { MeshSocket } from 'web2p';
export { SimplePeerTransport } from 'web2p/simple-peer';
