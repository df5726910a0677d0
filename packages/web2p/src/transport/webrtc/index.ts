export {
  DataChannelLink,
  type DataChannelLinkLimits,
  type DataChannelLinkOptions,
  type PeerConnection,
} from './datachannel-link.js';
export {
  openPeerConnection,
  type CandidateInit,
  type PeerConnectionAttempt,
  type PeerConnectionOptions,
  type RTCPeerConnectionConstructor,
  type Signal,
} from './peer-connection.js';
export {
  SignalingClient,
  type SignalingClientEvents,
  type SignalingClientOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './signaling-client.js';
export { WebRtcTransport, type WebRtcTransportOptions } from './webrtc-transport.js';
