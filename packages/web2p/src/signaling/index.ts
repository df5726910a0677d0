/**
 * `web2p/signaling`: the signaling server's wire protocol (signaling-server/PROTOCOL.md) as one
 * module of message types and encode/validate functions, shared by the library's signaling client
 * and the web2p-signal server.
 */
export * from './constants.js';
export * from './messages.js';
export * from './join-proof.js';
