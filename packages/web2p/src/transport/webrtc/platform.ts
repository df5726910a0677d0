import { Web2pError } from '../../errors.js';
import type { RTCPeerConnectionConstructor } from './peer-connection.js';
import type { IceServer } from './rtc-types.js';
import type { WebSocketConstructor } from './signaling-client.js';
import { WebRtcTransport } from './webrtc-transport.js';
import { subtleMessageHash } from '../../wire/message-hash.js';

/**
 * A WebRtcTransport on the platform's own RTCPeerConnection and WebSocket (every browser has
 * both). Where they are missing, as in plain Node, it says what to use instead. Without
 * `iceServers` it uses the ones its signaling server hands out.
 */
export function platformWebRtcTransport(iceServers?: IceServer[]): WebRtcTransport {
  const RTCPeerConnection = globalThis.RTCPeerConnection as unknown as RTCPeerConnectionConstructor | undefined;
  const WebSocket = globalThis.WebSocket as unknown as WebSocketConstructor | undefined;
  if (typeof RTCPeerConnection !== 'function' || typeof WebSocket !== 'function') {
    throw new Web2pError(
      'no RTCPeerConnection/WebSocket here: import from web2p/node (node-datachannel), or pass a transport',
    );
  }
  const transport = new WebRtcTransport({ RTCPeerConnection, WebSocket, iceServers, messageDigest: subtleMessageHash() });
  closeWhenThePageGoes(transport);
  return transport;
}

/**
 * A page that is going away (closed, reloaded, navigated from) closes its links gracefully, so its
 * peers hear a goodbye on each and drop it at once, instead of when ICE stops hearing from it,
 * seconds later. A page kept in the back/forward cache (`persisted`) may come back, so it is left be.
 */
function closeWhenThePageGoes(transport: WebRtcTransport): void {
  if (typeof globalThis.addEventListener !== 'function') return;
  const onPageHide = (event: Event): void => {
    if ((event as PageTransitionEvent).persisted) return;
    globalThis.removeEventListener('pagehide', onPageHide);
    void transport.close();
  };
  globalThis.addEventListener('pagehide', onPageHide);
}
