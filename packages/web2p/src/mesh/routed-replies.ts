/**
 * Replies to a sender that is not a neighbour (protocol.md §4.10), which is broken in both upstreams
 * (§11, upstream #91). The replier broadcasts `[request, request id, sender id]`; a neighbour of the
 * sender answers with `broadcast [response, request id, [[host, port], sender id]]`; the replier
 * dials that address and whispers the reply on the new connection.
 */
import { sha384 } from '@noble/hashes/sha2.js';
import { FrameError, TimeoutError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { WireAddress } from '../transport/types.js';
import { bytesToBase58, toBase58 } from '../wire/base58.js';
import { flags } from '../wire/flags.js';
import { concatBytes, utf8, type Packet } from '../wire/packet.js';
import type { Connection } from './connection.js';
import { REPLY_TIMEOUT_MS } from './constants.js';
import type { DebugLog } from './debug.js';
import { packetText, parseWireAddress } from './handshake.js';
import type { Message } from './message.js';

export interface RoutedRepliesHost {
  clock(): Clock;
  random(): Random;
  table(): ReadonlyMap<string, Connection>;
  nowSeconds(): number;
  /** Broadcasts a payload from this node to every neighbour. */
  broadcast(payload: Packet[]): void;
  /** Connects to a peer and resolves with the connection once its handshake arrived. */
  dial(addr: WireAddress, peerId: string): Promise<Connection | undefined>;
  debug: DebugLog;
}

interface PendingReply {
  target: string;
  packets: Packet[];
  resolve(): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

export class RoutedReplies {
  private readonly pending = new Map<string, PendingReply>();

  constructor(private readonly host: RoutedRepliesHost) {}

  /**
   * Finds a route to `target` and whispers `packets` to it. `targetIsBin`: the target sends its id
   * as bin (py2p), and py2p looks the id up in its routing table by type, so the request carries it so.
   */
  send(target: string, packets: Packet[], targetIsBin = false): Promise<void> {
    const clock = this.host.clock();
    // py2p's id is sha384(sender + base58(now)); random salt keeps two replies in one second apart.
    const seed = concatBytes([utf8(target + toBase58(this.host.nowSeconds())), this.host.random().bytes(16)]);
    const requestId = bytesToBase58(sha384(seed));
    return new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TimeoutError(`no route to ${target} for a reply within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(requestId, { target, packets, resolve, reject, timer });
      this.host.debug.print(2, () => `looking for a route to ${target} (request ${requestId.slice(0, 8)})`);
      this.host.broadcast([flags.request, requestId, targetIsBin ? utf8(target) : target]);
    });
  }

  /** A neighbour of the target answers the connection the request came from. */
  handleRequest(msg: Message, conn: Connection): boolean {
    const [, rawId, rawTarget] = msg.wire.payload;
    const requestId = packetText(rawId);
    const target = packetText(rawTarget);
    if (requestId === undefined || target === undefined) {
      throw new FrameError('bad request message: expected [request, request id, node id]');
    }
    const peer = this.host.table().get(target);
    if (peer?.addr) conn.send(flags.broadcast, flags.response, requestId, [[...peer.addr], target]);
    return true;
  }

  handleResponse(msg: Message, _conn: Connection): boolean {
    const payload = msg.wire.payload;
    if (payload[0] !== flags.response) return false;
    const requestId = packetText(payload[1]);
    const entry = requestId === undefined ? undefined : this.pending.get(requestId);
    if (!entry || requestId === undefined) return true; // someone else's, or answered already
    const route = payload[2];
    const addr = Array.isArray(route) ? parseWireAddress(route[0]) : undefined;
    if (!addr) throw new FrameError('bad response message: expected [response, request id, [[host, port], node id]]');
    this.pending.delete(requestId);
    this.host.clock().clearTimeout(entry.timer);
    this.deliver(entry, addr);
    return true;
  }

  private deliver(entry: PendingReply, addr: WireAddress): void {
    const direct = this.host.table().get(entry.target);
    const connected = direct ? Promise.resolve(direct) : this.host.dial(addr, entry.target);
    connected.then(
      (conn) => {
        const peer = conn ?? this.host.table().get(entry.target);
        if (!peer) throw new TimeoutError(`could not connect to ${entry.target} to reply`);
        peer.send(flags.whisper, flags.whisper, ...entry.packets);
        entry.resolve();
      },
    ).catch((error: unknown) => entry.reject(error instanceof Error ? error : new TimeoutError(String(error))));
  }

  close(): void {
    for (const entry of this.pending.values()) {
      this.host.clock().clearTimeout(entry.timer);
      entry.reject(new TimeoutError('the socket closed before the reply was sent'));
    }
    this.pending.clear();
  }
}
