/**
 * Replies to a sender that is not a neighbour (PROTOCOL.md §4.10), which is broken in both upstreams
 * (§11, upstream #91). The replier broadcasts `[request, request id, sender id]`; a neighbour of the
 * sender answers with `broadcast [response, request id, [[host, port], sender id]]`; the replier
 * dials that address and whispers the reply on the new connection. The request sub-flag also
 * carries `request '*'`, a peer list request (§4.7), answered by the peer exchange.
 */
import { sha384 } from '../wire/sha2.js';
import { TimeoutError } from '../errors.js';
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
import type { Message } from './message.js';
import { decodeRequest, decodeRouteAnswer, encodeRouteAnswer, encodeRouteProbe, routeAnswerId } from './messages.js';
import type { Service } from './service.js';

export interface RoutedRepliesHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly debug: DebugLog;
  readonly routingTable: ReadonlyMap<string, Connection>;
  nowSeconds(): number;
  /** Broadcasts a payload from this node to every neighbour. */
  broadcast(payload: Packet[]): void;
  /** Connects to a peer and resolves with the connection once its handshake arrived. */
  dial(addr: WireAddress, peerId: string): Promise<Connection | undefined>;
  /** Answers `request '*'` with our peer list. */
  sendPeers(conn: Connection): void;
}

export class RoutedReplies implements Service {
  readonly name = 'routed replies';
  readonly subFlags = [flags.request, flags.response];
  /** Route probes waiting for an answer: the address a neighbour of the target gave. */
  private readonly routes: PendingRequests<string, WireAddress>;

  constructor(private readonly host: RoutedRepliesHost) {
    this.routes = new PendingRequests(host.clock);
  }

  start(): void {}

  /**
   * Finds a route to `target` and whispers `packets` to it. `targetIsBin`: the target sends its id
   * as bin (py2p), and py2p looks the id up in its routing table by type, so the request carries it so.
   */
  async send(target: string, packets: Packet[], targetIsBin = false): Promise<void> {
    const { host } = this;
    // py2p's id is sha384(sender + base58(now)); random salt keeps two replies in one second apart.
    const seed = concatBytes([utf8(target + toBase58(host.nowSeconds())), host.random.bytes(16)]);
    const requestId = bytesToBase58(sha384(seed));
    const route = this.routes.wait(requestId, {
      timeoutMs: REPLY_TIMEOUT_MS,
      timeoutMessage: `no route to ${target} for a reply within ${REPLY_TIMEOUT_MS} ms`,
    });
    host.debug.print(2, () => `looking for a route to ${target} (request ${requestId.slice(0, 8)})`);
    host.broadcast(encodeRouteProbe(requestId, targetIsBin ? utf8(target) : target));
    const addr = await route;
    const peer = host.routingTable.get(target) ?? (await host.dial(addr, target)) ?? host.routingTable.get(target);
    if (!peer) throw new TimeoutError(`could not connect to ${target} to reply`);
    peer.send(flags.whisper, flags.whisper, ...packets);
  }

  handle(msg: Message, conn: Connection): void {
    const payload = msg.wire.payload;
    if (payload[0] === flags.request) this.onRequest(payload, conn);
    else this.onAnswer(payload);
  }

  /** A neighbour of the target answers the connection the request came from. */
  private onRequest(payload: readonly Packet[], conn: Connection): void {
    const request = decodeRequest(payload);
    if (request.kind === 'peers') {
      this.host.sendPeers(conn);
      return;
    }
    const peer = this.host.routingTable.get(request.target);
    if (peer?.addr) {
      const [type, ...packets] = encodeRouteAnswer(request.requestId, peer.addr, request.target);
      conn.send(flags.broadcast, type!, ...packets);
    }
  }

  private onAnswer(payload: readonly Packet[]): void {
    const requestId = routeAnswerId(payload);
    if (requestId === undefined || !this.routes.has(requestId)) return; // someone else's, or answered already
    this.routes.resolve(requestId, decodeRouteAnswer(payload));
  }

  /** Replies still looking for a route fail with SocketClosedError. */
  stop(): void {
    this.routes.close();
  }
}

