/**
 * web2p: browser-first peer-to-peer sockets wire-compatible with py2p/js2p 0.7.
 *
 * This entry is the public API for browsers. `web2p/node` adds Node's transports, `web2p/sim` the
 * simulated network, `web2p/streams` streams (a socket opts in: `streams: streams()`), and
 * `web2p/wire` the wire codec (frames, msgpack, base58, compression) for those who speak the
 * protocol by hand.
 *
 * The entry itself has no side effects (bundlers drop what an app does not import): the socket
 * classes come through entry/, whose modules register the browser defaults (WebRTC, IndexedDB).
 * @packageDocumentation
 */
export * from './errors.js';
export { flags, FIRST_APPLICATION_FLAG, type Packet, utf8, fromUtf8, Protocol, PROTOCOL_VERSION } from './wire/index.js';

export { MeshSocket, type MeshSocketOptions, type MeshEvents, type HealthEvents, type SocketState, type PeerStats, type SocketStats, type Handler } from './entry/mesh-socket.js';
export { Message } from './mesh/message.js';
export { Connection } from './mesh/connection.js';
export type { MeshContext, MeshTuning, Service, SubFlag } from './mesh/service.js';
export type { SendOptions } from './mesh/send-args.js';
export type { Member, MemberMeta } from './mesh/members.js';
export type { RequestOptions } from './mesh/request-response.js';
export type { DeadlineOptions } from './runtime/deadlines.js';
export type { Link, LinkHandlers, LinkStats, LocalNode, SignalData, Transport, WireAddress } from './transport/types.js';
export { IncomingStream, type IncomingStreamEvents } from './mesh/streams/incoming-stream.js';
export type { SendStreamOptions, StreamOptions } from './mesh/streams/stream-service.js';
export type { StreamData } from './mesh/streams/stream-source.js';
export type { NodeLimits } from './mesh/node-limits.js';
export { type Identity, createIdentity, identityFromSecretKey } from './identity/identity.js';
export { type Clock, type TimerHandle, systemClock } from './runtime/clock.js';
export { type Random, systemRandom, SeededRandom } from './runtime/random.js';
export { ChordSocket, type ChordSocketOptions, type ChordEvents, type ChordKey, type LookupInfo, type NodeEntry, type RingState } from './entry/chord-socket.js';
export { SyncSocket, type SyncSocketOptions, type SyncEvents, type Key, type Mapping } from './entry/sync-socket.js';
export { MemoryStore, IdbStore, type MemoryStoreOptions, type Store, type StoreValue } from './store/index.js';
export type { IceServer } from './transport/webrtc/rtc-types.js';
export { WebRtcTransport, type WebRtcTransportOptions, DataChannelLink, SignalingClient, type SignalingClientEvents, type SignalingClientOptions, type WebSocketConstructor, type WebSocketLike } from './transport/webrtc/index.js';
