export * from './errors.js';
export * from './wire/index.js';
import { MeshSocket } from './mesh/mesh-socket.js';
import { platformWebRtcTransport } from './transport/webrtc/platform.js';
import { IdbStore } from './store/idb-store.js';
import { setPersistentStore } from './store/persistent-store.js';

export { MeshSocket, type MeshSocketOptions, type MeshEvents, type Handler } from './mesh/mesh-socket.js';
export { Message } from './mesh/message.js';
export { Connection } from './mesh/connection.js';
export type { SendOptions } from './mesh/send-args.js';
export type { Link, LinkHandlers, LocalNode, SignalData, Transport, WireAddress } from './transport/types.js';
export { type Clock, type TimerHandle, systemClock } from './runtime/clock.js';
export { type Random, systemRandom, SeededRandom } from './runtime/random.js';
export { ChordSocket, type ChordSocketOptions, type ChordEvents, type ChordKey, type LookupInfo, type NodeEntry, type RingState } from './chord/chord-socket.js';
export { SyncSocket, type SyncSocketOptions, type SyncEvents, type Key, type Mapping } from './sync/sync-socket.js';
export { MemoryStore, IdbStore, type MemoryStoreOptions, type Store, type StoreValue } from './store/index.js';
export { WebRtcTransport, type WebRtcTransportOptions, DataChannelLink, SignalingClient, type SignalingClientEvents, type SignalingClientOptions, type WebSocketConstructor, type WebSocketLike } from './transport/webrtc/index.js';

// Sockets made without a transport talk WebRTC with the platform's RTCPeerConnection (browsers).
// web2p/node replaces this with node-datachannel.
MeshSocket.defaultTransport = (options) => platformWebRtcTransport(options.iceServers);

// `persist: true` keeps sync leases and chord shards in IndexedDB (idb-keyval).
setPersistentStore((namespace) => new IdbStore(namespace));
