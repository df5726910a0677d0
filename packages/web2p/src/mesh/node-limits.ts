/**
 * What one peer may cost this node (issue 16), as one options object: `new MeshSocket({ limits })`.
 * Every field defaults to its constant (mesh/constants.ts, wire/constants.ts), where its reason is.
 */
import { DECODE_COST_PER_BYTE, MAX_DECODE_COST, MAX_INFLATE_RATIO, type DecodeLimits } from '../wire/constants.js';
import {
  DEFAULT_SEND_HIGH_WATER_BYTES,
  DEFAULT_SEND_LOW_WATER_BYTES,
  MAX_HELD_BROADCAST_BYTES,
  MAX_QUEUED_MESSAGES,
  ANSWER_BYTE_BURST,
  ANSWER_BYTES_PER_SECOND,
  FRAMES_PER_TURN,
  LAGGING_TURN_MS,
  BUSY_SHARE,
  PEER_HANDLING_MS_BURST,
  PEER_HANDLING_MS_PER_SECOND,
  MAX_HALF_OPEN_CONNECTIONS,
  MAX_INCOMING_CONNECTIONS,
  MAX_PARTIAL_FRAME_BYTES,
  MAX_RESEND_BYTES,
  MAX_SEEN_ENTRIES,
  MAX_SEND_QUEUE_BYTES,
  MAX_TOTAL_SEND_QUEUE_BYTES,
  MAX_SIGNAL_ROUTES,
  MIN_FRAME_BYTES_PER_SECOND,
  PEER_BYTE_BURST,
  PEER_BYTES_PER_SECOND,
  PEER_MESSAGE_BURST,
  PEER_MESSAGES_PER_SECOND,
  RELAY_MESSAGE_BURST,
  RELAY_MESSAGES_PER_SECOND,
} from './constants.js';

/** The limits of `MeshSocketOptions.limits`; see each constant for its default and reason. */
export interface NodeLimits extends DecodeLimits {
  /** Messages per second a connection may send us (PEER_MESSAGES_PER_SECOND). */
  peerMessagesPerSecond: number;
  /** Messages above that rate a connection may send at once (PEER_MESSAGE_BURST). */
  peerMessageBurst: number;
  /** Broadcasts per second we relay of those from one connection (RELAY_MESSAGES_PER_SECOND). */
  relayMessagesPerSecond: number;
  /** Broadcasts above that rate we relay at once (RELAY_MESSAGE_BURST). */
  relayMessageBurst: number;
  /** Inflated bytes per second a connection may send us (PEER_BYTES_PER_SECOND). */
  peerBytesPerSecond: number;
  /** Bytes above that rate a connection may send at once (PEER_BYTE_BURST). */
  peerByteBurst: number;
  /** Bytes queued towards a peer that has not read them before it is dropped (MAX_SEND_QUEUE_BYTES). */
  maxSendQueueBytes: number;
  /**
   * Bytes the send queues of all connections hold together, a frame shared by several queues counted
   * once; past it the connection with the most queued is dropped (MAX_TOTAL_SEND_QUEUE_BYTES).
   */
  maxTotalSendQueueBytes: number;
  /** Largest last message kept for a peer's resend request (MAX_RESEND_BYTES). */
  maxResendBytes: number;
  /** Bytes per second of answers a peer may ask of us (ANSWER_BYTES_PER_SECOND). */
  answerBytesPerSecond: number;
  /** Bytes of answers above that rate at once (ANSWER_BYTE_BURST). */
  answerByteBurst: number;
  /** Incoming connections held at once (MAX_INCOMING_CONNECTIONS). */
  maxIncoming: number;
  /** Connections still handshaking held at once (MAX_HALF_OPEN_CONNECTIONS). */
  maxHalfOpen: number;
  /** Bytes of incomplete frames across all connections (MAX_PARTIAL_FRAME_BYTES). */
  maxPartialFrameBytes: number;
  /** Slowest a frame may arrive once it is mid-frame for STALLED_FRAME_MS (MIN_FRAME_BYTES_PER_SECOND). */
  minFrameBytesPerSecond: number;
  /** Broadcast ids remembered at once (MAX_SEEN_ENTRIES). */
  maxSeenEntries: number;
  /** Peers remembered as reachable through a neighbour for relayed signaling (MAX_SIGNAL_ROUTES). */
  maxSignalRoutes: number;
  /** Frames of one connection handled in one task before other peers get a turn (FRAMES_PER_TURN). */
  framesPerTurn: number;
  /** A deferred turn waiting longer than this means the node lags (LAGGING_TURN_MS). */
  laggingTurnMs: number;
  /** The node lags when handling frames took more than this share of its time lately (BUSY_SHARE). */
  busyShare: number;
  /** Milliseconds of the node's time a peer's frames may take per second while it lags (PEER_HANDLING_MS_PER_SECOND). */
  peerHandlingMsPerSecond: number;
  /** Milliseconds above that rate at once (PEER_HANDLING_MS_BURST). */
  peerHandlingMsBurst: number;
  /**
   * `send()` returns false once the bytes this socket holds for its peers (`bufferedAmount`) pass
   * this, and 'drain' follows when they fall to `sendLowWaterBytes` (DEFAULT_SEND_HIGH_WATER_BYTES).
   */
  sendHighWaterBytes: number;
  /** The mark 'drain' fires at, and `whenWritable()`'s default; at least 256 KiB (DEFAULT_SEND_LOW_WATER_BYTES). */
  sendLowWaterBytes: number;
  /**
   * Bytes of broadcasts held back by the same-second rule (a payload repeated within one second
   * waits for the next) at most; past it `send()` throws BroadcastBacklogFullError (MAX_HELD_BROADCAST_BYTES).
   */
  maxHeldBroadcastBytes: number;
  /** Unread messages the recv() queue holds before dropping the oldest (MAX_QUEUED_MESSAGES). */
  maxQueuedMessages: number;
}

export const DEFAULT_NODE_LIMITS: Readonly<NodeLimits> = {
  costPerByte: DECODE_COST_PER_BYTE,
  maxCost: MAX_DECODE_COST,
  maxInflateRatio: MAX_INFLATE_RATIO,
  peerMessagesPerSecond: PEER_MESSAGES_PER_SECOND,
  peerMessageBurst: PEER_MESSAGE_BURST,
  relayMessagesPerSecond: RELAY_MESSAGES_PER_SECOND,
  relayMessageBurst: RELAY_MESSAGE_BURST,
  peerBytesPerSecond: PEER_BYTES_PER_SECOND,
  peerByteBurst: PEER_BYTE_BURST,
  maxSendQueueBytes: MAX_SEND_QUEUE_BYTES,
  maxTotalSendQueueBytes: MAX_TOTAL_SEND_QUEUE_BYTES,
  maxResendBytes: MAX_RESEND_BYTES,
  answerBytesPerSecond: ANSWER_BYTES_PER_SECOND,
  answerByteBurst: ANSWER_BYTE_BURST,
  maxIncoming: MAX_INCOMING_CONNECTIONS,
  maxHalfOpen: MAX_HALF_OPEN_CONNECTIONS,
  maxPartialFrameBytes: MAX_PARTIAL_FRAME_BYTES,
  minFrameBytesPerSecond: MIN_FRAME_BYTES_PER_SECOND,
  maxSeenEntries: MAX_SEEN_ENTRIES,
  maxSignalRoutes: MAX_SIGNAL_ROUTES,
  framesPerTurn: FRAMES_PER_TURN,
  laggingTurnMs: LAGGING_TURN_MS,
  busyShare: BUSY_SHARE,
  peerHandlingMsPerSecond: PEER_HANDLING_MS_PER_SECOND,
  peerHandlingMsBurst: PEER_HANDLING_MS_BURST,
  sendHighWaterBytes: DEFAULT_SEND_HIGH_WATER_BYTES,
  sendLowWaterBytes: DEFAULT_SEND_LOW_WATER_BYTES,
  maxHeldBroadcastBytes: MAX_HELD_BROADCAST_BYTES,
  maxQueuedMessages: MAX_QUEUED_MESSAGES,
};

/** The defaults with `overrides` on top; a value that is not a positive number is a TypeError. */
export function resolveNodeLimits(overrides: Partial<NodeLimits> = {}): NodeLimits {
  const limits = { ...DEFAULT_NODE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`limits.${name} must be a positive number, not ${String(value)}`);
  }
  return limits;
}
