/**
 * Replies to a sender that is not a neighbour (protocol.md §4.10), which is broken in both upstreams
 * (§11, upstream #91). The replier broadcasts `[request, request id, sender id]`; a neighbour of the
 * sender answers with `broadcast [response, request id, [[host, port], sender id]]`; the replier
 * dials that address and whispers the reply on the new connection.
 */
import { sha384 } from '@noble/hashes/sha2.js';
import { FrameError, TimeoutError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { PendingRequests } from '../runtime/pending-requests.js';
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

export class RoutedReplies {
  /** Route probes waiting for an answer: the address a neighbour of the target gave. */
  private readonly routes: PendingRequests<string, WireAddress>;

  constructor(private readonly host: RoutedRepliesHost) {
    this.routes = new PendingRequests(host.clock());
  }

  /** Finds a route to `target` and whispers `packets` to it. */
  async send(target: string, packets: Packet[]): Promise<void> {
    // py2p's id is sha384(sender + base58(now)); random salt keeps two replies in one second apart.
    const seed = concatBytes([utf8(target + toBase58(this.host.nowSeconds())), this.host.random().bytes(16)]);
    const requestId = bytesToBase58(sha384(seed));
    const route = this.routes.wait(requestId, {
      timeoutMs: REPLY_TIMEOUT_MS,
      timeoutMessage: `no route to ${target} for a reply within ${REPLY_TIMEOUT_MS} ms`,
    });
    this.host.debug.print(2, () => `looking for a route to ${target} (request ${requestId.slice(0, 8)})`);
    this.host.broadcast([flags.request, requestId, target]);
    const addr = await route;
    const peer = this.host.table().get(target) ?? (await this.host.dial(addr, target)) ?? this.host.table().get(target);
    if (!peer) throw new TimeoutError(`could not connect to ${target} to reply`);
    peer.send(flags.whisper, flags.whisper, ...packets);
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
    if (requestId === undefined || !this.routes.has(requestId)) return true; // someone else's, or answered already
    const route = payload[2];
    const addr = Array.isArray(route) ? parseWireAddress(route[0]) : undefined;
    if (!addr) throw new FrameError('bad response message: expected [response, request id, [[host, port], node id]]');
    this.routes.resolve(requestId, addr);
    return true;
  }

  /** Replies still looking for a route fail with SocketClosedError. */
  close(): void {
    this.routes.close();
  }
}
