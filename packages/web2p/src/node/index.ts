/**
 * web2p/node: everything in `web2p`, plus what only runs in Node. Here that is WebRTC through
 * node-datachannel's RTCPeerConnection and `ws`'s WebSocket, which Node 20 lacks as globals.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import WebSocket from 'ws';
import { MeshSocket } from '../mesh/mesh-socket.js';
import { WebRtcTransport, type WebRtcTransportOptions } from '../transport/webrtc/webrtc-transport.js';

export * from '../index.js';

export type NodeWebRtcTransportOptions = Omit<WebRtcTransportOptions, 'RTCPeerConnection' | 'WebSocket'>;

/** A WebRtcTransport for Node: `new MeshSocket({ transport: nodeWebRtcTransport() })`. */
export function nodeWebRtcTransport(options: NodeWebRtcTransportOptions = {}): WebRtcTransport {
  return new WebRtcTransport({ ...options, RTCPeerConnection, WebSocket });
}

// Sockets made without a transport talk WebRTC through node-datachannel.
MeshSocket.defaultTransport = (options) => nodeWebRtcTransport({ iceServers: options.iceServers ?? [] });
