/**
 * web2p/node: everything in `web2p`, plus what only runs in Node: WebRTC through node-datachannel's
 * RTCPeerConnection (an optional dependency, loaded when first used) and `ws`'s WebSocket, which
 * Node 20 lacks as globals, py2p's own transports (TCP, TLS, js2p's WebSocket) for talking to
 * py2p and js2p peers, and a store on disk for `persist` (LevelDB through classic-level).
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { useEd25519 } from '../identity/ed25519.js';
import { MeshSocket } from '../mesh/mesh-socket.js';
import { useMessageHash } from '../wire/message-hash.js';
import { setPersistentStore } from '../store/persistent-store.js';
import type { WireAddress } from '../transport/types.js';
import { LevelStore } from './level-store.js';
import { nativeEd25519 } from './native-ed25519.js';
import { nodeWebRtcTransport } from './node-webrtc.js';
import { storeDirectory } from './store-location.js';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';

export * from '../index.js';
export { CompositeTransport } from '../transport/composite.js';
export { TcpTransport, type TcpTransportOptions, type TcpEncryption } from './tcp-transport.js';
export type { TlsCredentials } from './certificate.js';
export { LevelStore } from './level-store.js';
export { nodeWebRtcTransport, type NodeWebRtcTransportOptions } from './node-webrtc.js';

declare module '../mesh/mesh-socket.js' {
  interface MeshSocketOptions {
    /**
     * Node only: listen for py2p/js2p peers here (port 0 picks a free one) over TCP, TLS or
     * WebSocket, as the protocol's encryption says ('Plaintext', 'SSL', 'ws'). Without it a socket
     * made without a transport talks WebRTC.
     */
    listen?: { host: string; port: number };
    /** Node only, with `listen`: what peers are told to dial (py2p's out_addr). */
    outAddr?: WireAddress;
  }
}

/**
 * py2p's transport for `encryption` (default 'Plaintext'): `new MeshSocket({ transport:
 * tcpTransport({ listen: { host: '127.0.0.1', port: 4444 }, encryption: 'SSL' }), protocol })`.
 */
export function tcpTransport(options: TcpTransportOptions = {}): TcpTransport {
  return new TcpTransport(options);
}

// Sockets made without a transport listen as py2p does when given `listen`, else talk WebRTC
// through node-datachannel. Every class's default protocol is 'Plaintext', the transport's default.
MeshSocket.defaultTransport = (options) =>
  options.listen
    ? tcpTransport({ listen: options.listen, outAddr: options.outAddr, encryption: options.protocol?.encryption })
    : nodeWebRtcTransport({ iceServers: options.iceServers });

// Node's native SHA-256 for message ids: the pure-JS one cost most of a large message's time.
useMessageHash((bytes) => {
  const digest = createHash('sha256').update(bytes).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
});

// The socket's own key (its id, link and join proofs) through OpenSSL (native-ed25519.ts says why only those).
useEd25519(nativeEd25519);

// `persist: true` keeps sync leases and chord shards in ./.web2p, `persist: { dir }` in dir: one
// LevelDB directory per namespace (Node has no IndexedDB).
setPersistentStore((namespace, location) => new LevelStore(storeDirectory(namespace, location)));
