/**
 * `web2p/simple-peer`: run a MeshSocket over connections an app already makes with simple-peer.
 *
 * @example
 * ```ts
 * import SimplePeer from 'simple-peer';
 * import { MeshSocket } from 'web2p';
 * import { SimplePeerTransport } from 'web2p/simple-peer';
 *
 * const transport = new SimplePeerTransport();
 * const sock = new MeshSocket({ transport });
 * const peer = new SimplePeer({ initiator: true });   // negotiated with your own signaling, as today
 * await transport.addPeer(peer);                      // the mesh runs over it
 * ```
 * @packageDocumentation
 */
export { SimplePeerTransport, type SimplePeerLike, type SimplePeerTransportOptions } from '../transport/simple-peer-transport.js';
export { UnsupportedPeerError } from '../errors.js';
