/**
 * `request()` and its answer, and replies to non-neighbours, over the mesh route (web2p only,
 * PROTOCOL.md §14.9): three kinds of routed message (routed-send.ts), so no direct link and no dial
 * is needed between asker and answerer.
 *
 *   'req'  [request id, ...packets]   handed to the answerer's handlers as a whisper Message whose
 *                                     reply() sends 'res'
 *   'res'  [request id, ...packets]   settles the asker's request() with a whisper Message
 *   'msg'  [reply id, ...packets]     a reply() to a member that is not a neighbour, handed to its
 *                                     handlers as a whisper Message, and acknowledged with
 *   'ack'  [reply id]                 so that reply() resolves once delivered and fails when it is not
 */
import { bytesToBase58 } from '../wire/base58.js';
import { flags } from '../wire/flags.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import type { Clock } from '../runtime/clock.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import type { Random } from '../runtime/random.js';
import type { Connection } from './connection.js';
import { REPLY_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './constants.js';
import { packetText } from './handshake.js';
import type { Message, ReplyRouter } from './message.js';
import { routedMessage } from './routed-connection.js';
import type { RoutedSend } from './routed-send.js';
import type { Service } from './service.js';

export const REQUEST_KIND = 'req';
export const RESPONSE_KIND = 'res';
export const MESSAGE_KIND = 'msg';
export const ACK_KIND = 'ack';

/** Options of `sock.request(to, ...packets, options)`. */
export interface RequestOptions {
  /** Reject with a TimeoutError when no answer came within this many ms. Default 30 s (REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Abandon the request with an AbortError when it fires. */
  signal?: AbortSignal;
}

export interface RequestResponseHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly routed: RoutedSend;
  /** Replies to a delivered reply go through the socket's own reply(). */
  readonly socket: ReplyRouter;
  nowSeconds(): number;
  /** Whether `id` is a member known to be a web2p node (it takes routed messages). */
  isWeb2p(id: string): boolean;
  /** Hands a message to the socket's handlers, 'message' listeners and recv(). */
  deliver(msg: Message, conn: Connection): void;
}

export class RequestResponse implements Service {
  readonly name = 'requests';
  readonly subFlags = [];
  /** Our requests waiting for their answer, by request id, with the node that must answer. */
  private readonly pending: PendingRequests<string, Message>;
  private readonly askedOf = new Map<string, string>();
  /** Our replies over the mesh waiting for their acknowledgement, by reply id. */
  private readonly unacknowledged: PendingRequests<string, void>;

  constructor(private readonly host: RequestResponseHost) {
    this.pending = new PendingRequests(host.clock);
    this.unacknowledged = new PendingRequests(host.clock);
    const { routed } = host;
    routed.on(REQUEST_KIND, (from, body, conn) => this.onRequest(from, body, conn));
    routed.on(RESPONSE_KIND, (from, body) => this.onResponse(from, body));
    routed.on(MESSAGE_KIND, (from, body, conn) => this.onReply(from, body, conn));
    routed.on(ACK_KIND, (_from, body) => {
      const replyId = packetText(body[0]);
      if (replyId !== undefined) this.unacknowledged.resolve(replyId, undefined);
    });
  }

  start(): void {}

  /** Never called: this service has no sub-flag of its own (its messages come through routed-send). */
  handle(): void {}

  /** Sends `packets` to `to` and resolves with its answer (see MeshSocket.request). */
  request(to: string, packets: readonly OutgoingPacket[], options: RequestOptions = {}): Promise<Message> {
    const id = this.newId();
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const answer = this.pending.wait(id, {
      timeoutMs,
      signal: options.signal,
      timeoutMessage: `no answer from ${to} within ${timeoutMs} ms: it may have left, or its handler did not reply()`,
      onFail: () => this.askedOf.delete(id),
    });
    if (!this.pending.has(id)) return answer; // aborted already, or closed
    this.askedOf.set(id, to);
    try {
      this.host.routed.send(to, REQUEST_KIND, [id, ...packets]);
    } catch (error) {
      this.pending.reject(id, error as Error); // too large: nothing left
    }
    return answer;
  }

  /**
   * A reply to `to` over the mesh route, when `to` is a web2p member we have no link to: resolves
   * once `to` acknowledged it, rejects with TimeoutError after REPLY_TIMEOUT_MS. Undefined when `to`
   * is not known as one (a py2p/js2p sender, which ignores routed messages even when a peer list
   * names a way to it): then §4.10's routed reply is the way.
   */
  replyOverMesh(to: string, packets: readonly Packet[]): Promise<void> | undefined {
    if (!this.host.isWeb2p(to) && !this.host.routed.hasRoute(to)) return undefined;
    const id = this.newId();
    const acknowledged = this.unacknowledged.wait(id, {
      timeoutMs: REPLY_TIMEOUT_MS,
      timeoutMessage: `no route to ${to}: the reply was not acknowledged within ${REPLY_TIMEOUT_MS} ms (it may have left)`,
    });
    try {
      this.host.routed.send(to, MESSAGE_KIND, [id, ...packets]);
    } catch (error) {
      this.unacknowledged.reject(id, error as Error);
    }
    return acknowledged;
  }

  /** Requests and replies still waiting fail with SocketClosedError. */
  stop(): void {
    this.pending.close();
    this.unacknowledged.close();
  }

  private onReply(from: string, body: readonly Packet[], conn: Connection): void {
    const [id, ...packets] = body;
    const replyId = packetText(id);
    if (replyId === undefined) return;
    this.host.routed.send(from, ACK_KIND, [replyId]);
    this.host.deliver(this.message(from, packets, this.host.socket), conn);
  }

  /** Request and reply ids: random, so that nobody else can guess the one to answer. */
  private newId(): string {
    return bytesToBase58(this.host.random.bytes(16));
  }

  private onRequest(from: string, body: readonly Packet[], conn: Connection): void {
    const [id, ...packets] = body;
    const requestId = packetText(id);
    if (requestId === undefined) return; // not a request of ours to answer
    const answerer: ReplyRouter = {
      reply: (_msg, reply) => {
        try {
          this.host.routed.send(from, RESPONSE_KIND, [requestId, ...reply]);
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
    };
    this.host.deliver(this.message(from, packets, answerer), conn);
  }

  private onResponse(from: string, body: readonly Packet[]): void {
    const [id, ...packets] = body;
    const requestId = packetText(id);
    // only the node asked may answer: anything else is late, someone else's, or forged
    if (requestId === undefined || this.askedOf.get(requestId) !== from) return;
    this.askedOf.delete(requestId);
    this.pending.resolve(requestId, this.message(from, packets, this.host.socket));
  }

  /** A whisper from `from` carrying `packets`, as the user sees messages. */
  private message(from: string, packets: readonly Packet[], replies: ReplyRouter): Message {
    return routedMessage(from, this.host.nowSeconds(), [flags.whisper, ...packets], replies);
  }
}
