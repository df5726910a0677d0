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
