/** web2p-signal: the WebSocket signaling server of web2p. The wire protocol is in PROTOCOL.md. */
export { startSignalingServer, type SignalingServer } from './server.js';
export type { SignalingServerOptions } from './options.js';
export type { RoomBackend, RoomMember } from './rooms.js';
export type { ClientMessage, ErrorCode, ServerMessage } from './messages.js';
export { CLOSE_CODES } from './constants.js';
export { ListenError, OptionsError, SignalingServerError } from './errors.js';
