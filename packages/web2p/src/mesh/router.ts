/**
 * How messages travel (PROTOCOL.md §4.4): the waterfall that relays each new broadcast once and drops
 * expired and repeated ones (SeenCache), the relay rule that skips neighbours already covered, and
 * the way out for our own messages (BroadcastOutbox for broadcasts).
 */
import type { Clock } from '../runtime/clock.js';
import { flags } from '../wire/flags.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import type { AsyncMessageHash } from '../wire/message-hash.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import { BroadcastOutbox } from './broadcast-outbox.js';
import type { ConnectionRecord } from './connection-record.js';
import { MAX_CLOCK_AHEAD_SECONDS, SEEN_WINDOW_SECONDS } from './constants.js';
import type { DebugLog } from './debug.js';
import { relayedByItself } from './relay-cover.js';
import { RelayBudget } from './relay-budget.js';
import { SeenCache } from './seen-cache.js';

export interface RouterHost {
  readonly id: string;
  readonly clock: Clock;
  readonly debug: DebugLog;
  /** The largest frame body a peer accepts: a larger message is refused when it is sent. */
  readonly maxFrameBytes: number;
  /** Most broadcast ids remembered at once (NodeLimits.maxSeenEntries). */
  readonly maxSeenEntries: number;
  /** Broadcasts relayed per second and at once of those from one connection (NodeLimits). */
  readonly relayLimits: { perSecond: number; burst: number };
  nowSeconds(): number;
  /** The connections in the routing table. */
  open(): Iterable<ConnectionRecord>;
  /** Bytes of broadcasts held for the next second at most (MAX_HELD_BROADCAST_BYTES). */
  readonly maxHeldBroadcastBytes: number;
  /** Held broadcasts left (backpressure: send-backlog.ts). */
  released(): void;
  /** The async native SHA-256 for our large broadcasts' ids (wire/message-hash.ts), if any. */
  readonly digest: AsyncMessageHash | undefined;
}

export class Router {
  private readonly seen: SeenCache;
  private readonly relays: RelayBudget;
  private readonly broadcasts: BroadcastOutbox;

  constructor(private readonly host: RouterHost) {
    this.seen = new SeenCache(SEEN_WINDOW_SECONDS, host.maxSeenEntries);
    this.relays = new RelayBudget(host.clock, host.relayLimits.perSecond, host.relayLimits.burst);
    this.broadcasts = new BroadcastOutbox({
      get id() {
        return host.id; // read when a message is made: a socket may learn its id after this is built
      },
      clock: host.clock,
      seen: this.seen,
      maxFrameBytes: host.maxFrameBytes,
      maxHeldBytes: host.maxHeldBroadcastBytes,
      released: () => host.released(),
      digest: host.digest,
      nowSeconds: () => host.nowSeconds(),
      deliver: (wire) => {
        for (const record of host.open()) record.sendMessage(wire);
      },
    });
  }

  /**
   * Sends `[flag, id, now, ...payload]` to every neighbour. `onSent` gets the message as it went
   * out: a broadcast may leave a second later than asked (see BroadcastOutbox). A message that
   * cannot be sent (a TypeError, a MessageTooLargeError) throws here, before anything leaves.
   */
  send(flag: number, payload: readonly OutgoingPacket[], onSent?: (wire: WireMessage) => void): void {
    // A message sent while a broadcast waits for its native digest waits behind it, so what one
    // socket sends leaves in the order it was sent (BroadcastOutbox.hashing).
    if (flag === flags.broadcast || this.broadcasts.hashing) {
      this.broadcasts.push(flag, payload, onSent);
      return;
    }
    const wire = createMessage(flag, this.host.id, this.host.nowSeconds(), payload, this.host.maxFrameBytes);
    for (const record of this.host.open()) record.sendMessage(wire);
    onSent?.(wire);
  }

  /** Bytes of our broadcasts waiting for the next second (BroadcastOutbox). */
  get heldBroadcastBytes(): number {
    return this.broadcasts.heldBytes;
  }

  /** Body bytes of our broadcasts ever handed to the outbox (only grows: send-backlog.ts). */
  get pushedBroadcastBytes(): number {
    return this.broadcasts.pushedBytes;
  }

  /** Every frame we send: a broadcast we send is one we have seen. */
  sent(message: WireMessage): void {
    if (message.type === flags.broadcast) this.seen.add(message.id, this.host.nowSeconds());
  }

  /**
   * The waterfall (§4.4): drop expired and already-seen broadcasts, and pass new ones on unchanged
   * to every neighbour except the originator, the neighbour it came from (which has it: py2p sends
   * it back anyway, only for it to be dropped as a duplicate), and the neighbours of that neighbour
   * when it keeps us told of them and they confirm the link (it sends to them itself; a lie cannot
   * make us skip anyone: relay-cover.ts). Skipping those never strands a node: follow the message
   * back towards its originator, who sends to every neighbour, and the first node on the way that
   * is connected to X and was not itself covered sends to X. Returns whether the message is new.
   * `vet` runs on a new message before it is relayed: false (or a throw) refuses it, so a forged
   * record stops at the first honest node (else every node after it would drop the honest
   * neighbour that relayed it).
   */
  waterfall(wire: WireMessage, from: ConnectionRecord, vet?: () => boolean): boolean {
    const { debug } = this.host;
    const now = this.host.nowSeconds();
    if (wire.time < now - SEEN_WINDOW_SECONDS) {
      debug.print(2, () => `waterfall: expired ${describe(wire)}`);
      return false;
    }
    if (wire.time > now + MAX_CLOCK_AHEAD_SECONDS) {
      debug.print(2, () => `waterfall: dated ${wire.time - now} s ahead, dropped ${describe(wire)}`);
      return false;
    }
    if (this.seen.has(wire.id)) {
      debug.print(2, () => `waterfall: duplicate ${describe(wire)}`);
      return false;
    }
    if (vet && !vet()) return false;
    if (debug.enabled(2)) debug.print(2, () => `waterfall: new ${describe(wire)}`);
    this.seen.add(wire.id, now);
    if (!this.relays.mayRelay(from)) {
      debug.print(2, () => `waterfall: over the relay budget of ${from}, not relaying ${describe(wire)}`);
      this.seen.prune(now);
      return true;
    }
    for (const record of this.host.open()) {
      if (record === from || record.id === wire.sender || relayedByItself(from, record)) {
        if (debug.enabled(3)) debug.print(3, () => `not rebroadcasting to ${record}`);
        continue;
      }
      record.sendMessage(wire, { relayFrom: from });
    }
    this.seen.prune(now);
    return true;
  }

  close(): void {
    this.broadcasts.close();
  }
}

/** One line about a message, for debug output. */
export function describe(wire: WireMessage): string {
  const kind = wire.type === flags.broadcast ? 'broadcast' : wire.type === flags.whisper ? 'whisper' : `type ${wire.type}`;
  return `${kind} ${wire.idHex.slice(0, 8)} [${wire.payload.map((p) => summarize(p)).join(', ')}]`;
}

function summarize(packet: Packet): string {
  if (typeof packet === 'string') return JSON.stringify(packet.length > 40 ? packet.slice(0, 40) + '…' : packet);
  if (packet instanceof Uint8Array) return `bin(${packet.length})`;
  if (Array.isArray(packet)) return `[${packet.length} items]`;
  if (packet !== null && typeof packet === 'object') return '{…}';
  return String(packet);
}
