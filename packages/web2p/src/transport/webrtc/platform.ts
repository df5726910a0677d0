import { Web2pError } from '../../errors.js';
import type { RTCPeerConnectionConstructor } from './peer-connection.js';
import type { WebSocketConstructor } from './signaling-client.js';
import { WebRtcTransport } from './webrtc-transport.js';

/**
 * A WebRtcTransport on the platform's own RTCPeerConnection and WebSocket (every browser has
 * both). Where they are missing, as in plain Node, it says what to use instead.
 */
export function platformWebRtcTransport(iceServers: RTCIceServer[] = []): WebRtcTransport {
  const RTCPeerConnection = globalThis.RTCPeerConnection as unknown as RTCPeerConnectionConstructor | undefined;
  const WebSocket = globalThis.WebSocket as unknown as WebSocketConstructor | undefined;
  if (typeof RTCPeerConnection !== 'function' || typeof WebSocket !== 'function') {
    throw new Web2pError(
      'no RTCPeerConnection/WebSocket here: import from web2p/node (node-datachannel), or pass a transport',
    );
  }
  return new WebRtcTransport({ RTCPeerConnection, WebSocket, iceServers });
}
