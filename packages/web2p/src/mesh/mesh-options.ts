/** What `new MeshSocket(options)` takes and the events it emits. */
import type { Identity } from '../identity/keys.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { Transport } from '../transport/types.js';
import type { IceServer } from '../transport/webrtc/rtc-types.js';
import type { Protocol } from '../wire/protocol.js';
import type { Connection } from './connection.js';
import type { LogSink } from './debug.js';
import type { Member } from './members.js';
import type { HealthEvents } from './health.js';
import type { Message } from './message.js';
import type { IncomingStream } from './streams/incoming-stream.js';
import type { StreamsFeature } from './streams/streams-feature.js';
import type { NodeLimits } from './node-limits.js';

/** Options of `new MeshSocket(options)`; every one has a default. */
export interface MeshSocketOptions {
  /** Default: the class's `defaultProtocol` (Protocol('mesh', 'Plaintext') for MeshSocket). */
  protocol?: Protocol;
  /** 0..6, py2p's levels (PROTOCOL.md §4.11). */
  debugLevel?: number;
  /** Where debug lines go; default console.log. */
  log?: LogSink;
  /** Stop auto-connecting from peer lists at this many outgoing connections. Default 4. */
  maxOutgoing?: number;
  /**
   * Where links come from: a SimNetwork's transport, WebRTC, Node TCP… Default: the package
   * entry's (WebRTC with the platform's RTCPeerConnection in `web2p`, node-datachannel in `web2p/node`).
   */
  transport?: Transport;
  /** STUN/TURN servers for the default WebRTC transport (py2p's out_addr, for browsers). None by default. */
  iceServers?: IceServer[];
  /**
   * Compression methods to advertise and use, in order of preference (PROTOCOL.md §1.3). Default:
   * the transport's choice, else zlib and gzip as py2p.
   */
  compression?: readonly number[];
  /** Largest frame accepted from a peer, checked from its header. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Most bytes of unread messages the recv() queue holds before dropping the oldest. Default 64 MiB. */
  maxQueuedBytes?: number;
  /**
   * Streams (`sendStream`, the 'stream' event): `streams()` from web2p/streams, with its options
   * (chunk size, window, timeout). Without it, streams opened to this node are refused and
   * `sendStream` rejects with StreamsNotEnabledError (so apps that do not stream do not bundle them).
   */
  streams?: StreamsFeature;
  /**
   * What one peer may cost this node, and what this node holds for its peers: message and byte
   * rates, send queue, connection caps, decoding cost, inflate ratio, the send high/low-water marks
   * of `send()`/'drain', held broadcasts… (NodeLimits). Each field defaults to its constant; raise a
   * peer limit only if honest peers run into it (they are dropped with a PeerLimitError, or a
   * FrameError for the wire limits).
   */
  limits?: Partial<NodeLimits>;
  /** Default: the transport's clock (virtual in a simulation), else the system clock. */
  clock?: Clock;
  /** Default: the transport's random source (seeded in a simulation), else Web Crypto. */
  random?: Random;
  /** Most members `sock.members` holds; heartbeats from further senders are ignored. Default 1000 (MAX_MEMBERS). */
  maxMembers?: number;
  /** Largest msgpack encoding of `setMeta()` metadata, ours and accepted from others. Default 1024 bytes (MAX_META_BYTES). */
  maxMetaBytes?: number;
  /**
   * The Ed25519 key pair this node's id is derived from (createIdentity(), or one the app kept):
   * the same identity on the same protocol is the same node id, and keeps its sync leases. Default:
   * a fresh one per socket (SyncSocket and ChordSocket with `persist` keep theirs in the store, see
   * their `ready`).
   */
  identity?: Identity;
  /**
   * Whom the socket lets in, and whose records it merges. `'strict'` (default): only peers that
   * prove, on each link, that they hold the key of the node id they claim (web2p peers do); py2p/js2p
   * peers cannot sign and are refused with an UnsignedPeerError; every sync record must be signed by
   * its owner, so only the owner can change its keys. `'legacy'`: py2p/js2p peers may join too,
   * unproven, as in py2p, and their unsigned records are merged as py2p does, so any such peer can
   * overwrite any key (a peer that proved an id is still never replaced by one that cannot). Use it
   * only to talk to them. See the README's "Trust".
   */
  trust?: TrustMode;
  /**
   * Whether this node broadcasts member heartbeats (PROTOCOL.md §14.8). Default true (ChordSocket:
   * false). Every node hearing of every other costs each node about 5 heartbeats received a second
   * up to 300 members, members / 60 past that (17 at the 1,000 members a node keeps); without them
   * `members` lists the neighbours only, and routed messages find their way
   * by peer lists (two hops) or flooding.
   */
  memberHeartbeats?: boolean;
}

/** See MeshSocketOptions.trust. */
export type TrustMode = 'strict' | 'legacy';

/**
 * The events of a MeshSocket: `socket.on('message', (msg) => …)`; the health events ('state',
 * 'signaling-up', 'signaling-down', 'unreachable') are described in health.ts.
 */
export type MeshEvents = HealthEvents & {
  /**
   * A message no handler claimed. As in Node streams' flowing mode, while a 'message' listener is
   * attached messages go to the listeners and are not kept for recv() after them (recv() from the
   * listener itself still returns the message, as in py2p).
   */
  message: (msg: Message) => void;
  /**
   * The routing table went from empty to non-empty: this node has its first neighbour (again, after
   * being alone). It fires once per such change, not per peer: 'peer' does that.
   */
  connect: () => void;
  /**
   * A neighbour left the routing table (it fires per neighbour, the counterpart of 'peer'). The node
   * may still be in the mesh through others: 'member-leave' says when it is gone from the mesh.
   */
  disconnect: (peerId: string) => void;
  /** A neighbour entered the routing table (per neighbour; 'disconnect' is its counterpart). */
  peer: (peerId: string, conn: Connection) => void;
  /** A node of the mesh became known (a neighbour, or heard through others): see `sock.members`. */
  'member-join': (member: Member) => void;
  /** A member left the mesh: it said goodbye, or was not heard from for MEMBER_TIMEOUT_MS (10 s). */
  'member-leave': (member: Member) => void;
  /** A member's metadata changed, or it became or stopped being a neighbour. */
  'member-update': (member: Member) => void;
  /**
   * A peer's `sendStream` reached us: read `stream.readable` (or `await stream.bytes()`). Without a
   * listener, or without the `streams` option, incoming streams are refused (StreamRefusedError at
   * the sender).
   */
  stream: (stream: IncomingStream) => void;
  /**
   * The bytes held for peers fell to `limits.sendLowWaterBytes` after a `send()` returned false: sending
   * may resume (as Node streams' 'drain').
   */
  drain: () => void;
  /** Something went wrong that no call is waiting for: a protocol mismatch, a bad frame… */
  error: (error: Error) => void;
};
