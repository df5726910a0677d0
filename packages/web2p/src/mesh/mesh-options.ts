/** What `new MeshSocket(options)` takes and the events it emits. */
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { Transport } from '../transport/types.js';
import type { IceServer } from '../transport/webrtc/rtc-types.js';
import type { Protocol } from '../wire/protocol.js';
import type { Connection } from './connection.js';
import type { LogSink } from './debug.js';
import type { Message } from './message.js';
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
   * What one peer may cost this node: message and byte rates, send queue, connection caps, decoding
   * cost, inflate ratio… (NodeLimits). Each field defaults to its constant; raise one only if honest
   * peers run into it (they are dropped with a PeerLimitError, or a FrameError for the wire limits).
   */
  limits?: Partial<NodeLimits>;
  /** Default: the transport's clock (virtual in a simulation), else the system clock. */
  clock?: Clock;
  /** Default: the transport's random source (seeded in a simulation), else Web Crypto. */
  random?: Random;
}

/** The events of a MeshSocket: `socket.on('message', (msg) => …)`. */
export type MeshEvents = {
  /**
   * A message no handler claimed. As in Node streams' flowing mode, while a 'message' listener is
   * attached messages go to the listeners and are not kept for recv() after them (recv() from the
   * listener itself still returns the message, as in py2p).
   */
  message: (msg: Message) => void;
  /** The routing table went from empty to non-empty. */
  connect: () => void;
  /** A peer left the routing table. */
  disconnect: (peerId: string) => void;
  /** A peer entered the routing table. */
  peer: (peerId: string, conn: Connection) => void;
  /** Something went wrong that no call is waiting for: a protocol mismatch, a bad frame… */
  error: (error: Error) => void;
};
