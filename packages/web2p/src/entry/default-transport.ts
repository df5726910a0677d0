/**
 * Side effect: sockets made without a transport talk WebRTC with the platform's RTCPeerConnection
 * (browsers). Imported by the entry's socket modules only, so an app that imports no socket (only
 * `flags`, say) does not bundle WebRTC. web2p/node replaces this with node-datachannel. Without
 * `iceServers`, the transport uses the ones its signaling server hands out.
 */
import { MeshSocket } from '../mesh/mesh-socket.js';
import { platformWebRtcTransport } from '../transport/webrtc/platform.js';

MeshSocket.defaultTransport = (options) => platformWebRtcTransport(options.iceServers);
