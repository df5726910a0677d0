/**
 * One WebSocket client from connection to close: its room, its id once joined, its limits, and the
 * handling of what it sends. Everything a client can trigger is guarded here, so that a bad message
 * earns an error frame and a bug closes this client only.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativeEd25519 } from 'web2p/node/ed25519';
import { encodeNonce, joinProofProblem, JOIN_NONCE_BYTES, type JoinProof } from 'web2p/signaling';
import { WebSocket, type RawData } from 'ws';
import { CLOSE_CODES, RECLAIM_POLL_MS, RECLAIM_WAIT_MS } from './constants.js';
import { ProtocolError } from './errors.js';
import { encodeServerMessage as encode, INVALID_MESSAGE_CODES, parseClientMessage } from './messages.js';
import type { CloseReason, Metrics } from './metrics.js';
import type { ServerConfig } from './options.js';
import { Acquaintances, sample } from './acquaintances.js';
import { grantIce } from './ice.js';
import { TokenBucket } from './rate-limit.js';
import type { JoinResult, RoomMember } from './rooms.js';

/**
 * Delivered to a member's session, never to a client: "your id's owner joined again elsewhere".
 * Not JSON, so no client frame can equal it.
 */
const RECLAIMED = '\u0000reclaimed';

export class Session {
  /** Resolves once the connection has closed, however it ended. */
  readonly done: Promise<void>;
  private id: string | undefined;
  /** This connection's challenge: what a join proof must sign. */
  private readonly nonce = encodeNonce(randomBytes(JOIN_NONCE_BYTES));
  private invalidMessages = 0;
  /** Cleared when a ping goes out, set again by the pong; still clear at the next ping means dead. */
  private answeredPing = true;
  /**
   * Set once the server decided to end the connection: frames still queued are dropped. (When the
   * client closes, what it sent before is still handled.)
   */
  private closing = false;
  private closeReason: CloseReason = 'client';
  private readonly bucket: TokenBucket;
  /** Members this one was introduced to, or that were introduced to it: they hear when it leaves. */
  private readonly acquaintances = new Acquaintances();
  private readonly joinTimer: NodeJS.Timeout;
  /** Sends fresh TURN credentials before the last ones expire. */
  private iceTimer: NodeJS.Timeout | undefined;
  /**
   * Messages are handled one at a time, in arrival order, even when the room backend is async: a
   * `signal` right after `join` must see the join done, and the leave must come after both.
   */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ws: WebSocket,
    private readonly room: string,
    private readonly options: ServerConfig,
    private readonly metrics: Metrics,
  ) {
    this.bucket = new TokenBucket(options.ratePerSecond, options.rateBurst);
    this.joinTimer = setTimeout(
      () => this.close(CLOSE_CODES.joinTimeout, 'join-timeout', `no join within ${options.joinTimeoutMs} ms`),
      options.joinTimeoutMs,
    );
    this.done = new Promise((resolve) => ws.once('close', resolve));
    ws.on('message', (data, isBinary) => this.guard(() => this.receive(data, isBinary)));
    ws.on('pong', () => (this.answeredPing = true));
    // ws reports a bad frame here, then closes with the matching code (1009 for an oversized one).
    ws.on('error', (error: Error & { code?: string }) => {
      if (this.closing) return;
      this.closing = true;
      this.closeReason = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-big' : 'protocol-error';
    });
    ws.on('close', () => this.guard(() => this.closed()));
    this.send(encode({ type: 'challenge', nonce: this.nonce }));
  }

  /**
   * Called every heartbeat interval: pings, or cuts off a client that ignored the last ping. A
   * client we are closing is not pinged: it has one interval to finish the closing handshake.
   */
  heartbeat(): void {
    this.guard(() => {
      if (this.answeredPing) {
        this.answeredPing = false;
        if (!this.closing) this.ws.ping();
        return;
      }
      if (!this.closing) {
        this.closing = true;
        this.closeReason = 'heartbeat';
      }
      // A client that does not answer pings would not complete a closing handshake either.
      this.ws.terminate();
    });
  }

  /** Closes for a server shutdown, cutting the connection off if the client does not answer in time. */
  async shutdown(graceMs: number): Promise<void> {
    this.close(CLOSE_CODES.shutdown, 'shutdown', 'server shutting down');
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    await this.done;
    clearTimeout(timer);
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    if (!this.bucket.take()) {
      this.close(CLOSE_CODES.rateLimited, 'rate-limit', `more than ${this.options.ratePerSecond} messages per second`);
      return;
    }
    // binaryType is ws's default 'nodebuffer', so each message arrives as one Buffer.
    this.enqueue(() => this.handle(isBinary ? undefined : (data as Buffer).toString('utf8')));
  }

  /** Handles one text frame (`undefined` for a binary one, which the protocol does not allow). */
  private async handle(text: string | undefined): Promise<void> {
    if (this.closing) return;
    try {
      if (text === undefined) throw new ProtocolError('bad-message', 'frames must be text (JSON), not binary');
      const message = parseClientMessage(text);
      if (message.type === 'join') await this.join(message.id, message.proof);
      else if (message.type === 'signal') await this.relay(message.to, message.data);
      else this.send(encode({ type: 'pong' }));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.reject(error);
    }
  }

  private async join(id: string, proof: JoinProof | undefined): Promise<void> {
    if (this.id !== undefined) {
      throw new ProtocolError('already-joined', `this connection already joined as ${this.id}; open a new one to join again`);
    }
    if (proof) {
      // OpenSSL's Ed25519: the pure-JS one took 9-42 ms of each join's round trip (join-proof.ts)
      const problem = joinProofProblem(proof, this.nonce, id, nativeEd25519.verify);
      if (problem !== undefined) throw new ProtocolError('bad-proof', `join as ${id} refused: ${problem}`);
    } else if (this.options.joinProof === 'required') {
      throw new ProtocolError('unproven', `this server admits only joins that prove their id (a web2p client with identities does); ${id} sent no proof`);
    }
    // Frames for the newcomer that the backend delivers before `peers` is sent wait here: `peers` first.
    const early: string[] = [];
    let deliver = (frame: string): void => void early.push(frame);
    const member: RoomMember = {
      id,
      deliver: (frame: string) => (frame === RECLAIMED ? this.reclaimed() : deliver(this.acquaintances.note(frame))),
    };
    let result = await this.options.rooms.join(this.room, member, this.options.maxRoomSize);
    if ('refused' in result && result.refused === 'id-taken' && proof) result = await this.reclaim(member);
    if ('refused' in result) {
      throw result.refused === 'id-taken'
        ? new ProtocolError('id-taken', `id ${id} is already in room ${this.room}; join with another id`)
        : new ProtocolError('room-full', `room ${this.room} has ${this.options.maxRoomSize} members; try again later or another room`);
    }
    this.id = id;
    clearTimeout(this.joinTimer);
    // Before `peers`, so that the offers the newcomer makes to them already use these servers.
    this.sendIce(id);
    // A sample, not the whole room: the joiner meets the rest through the mesh, and a join costs O(1).
    const introduced = sample(result.present, this.options.peerSampleSize);
    this.send(encode({ type: 'peers', ids: introduced }));
    deliver = (frame) => this.send(frame);
    for (const frame of early) this.send(frame);
    const joined = encode({ type: 'joined', id });
    for (const peer of introduced) this.acquaintances.add(peer);
    // At once, not one after another: with Redis each delivery is a round trip.
    await Promise.all(introduced.map((peer) => this.options.rooms.sendTo(this.room, peer, joined)));
  }

  /**
   * The id's owner joined again (it proved it) while its old connection is still in the room, dead
   * or squatted: the old one is closed, and the join waits for it to leave.
   */
  private async reclaim(member: RoomMember): Promise<JoinResult> {
    await this.options.rooms.sendTo(this.room, member.id, RECLAIMED);
    const deadline = Date.now() + RECLAIM_WAIT_MS;
    for (;;) {
      await sleep(RECLAIM_POLL_MS);
      const result = await this.options.rooms.join(this.room, member, this.options.maxRoomSize);
      if (!('refused' in result) || result.refused !== 'id-taken' || Date.now() > deadline) return result;
    }
  }

  /** Another connection proved our id: this one is the owner's old one, or an impostor's. */
  private reclaimed(): void {
    if (this.closing) return;
    this.closing = true;
    this.closeReason = 'replaced';
    // It is likely dead (that is why its owner came back): no closing handshake to wait for.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(CLOSE_CODES.replaced, 'your id joined again on another connection, with its proof');
    this.ws.terminate();
  }

  /** The `ice` message, when servers are configured, and its renewal before the credentials expire. */
  private sendIce(id: string): void {
    const grant = grantIce(this.options.ice, id, Date.now());
    if (grant === undefined) return;
    const { refreshInMs, ...message } = grant;
    this.send(encode({ type: 'ice', ...message }));
    if (refreshInMs !== undefined) this.iceTimer = setTimeout(() => this.guard(() => this.sendIce(id)), refreshInMs);
  }

  private async relay(to: string, data: unknown): Promise<void> {
    if (this.id === undefined) throw new ProtocolError('not-joined', "send 'join' before 'signal'");
    const delivered = await this.options.rooms.sendTo(this.room, to, encode({ type: 'signal', from: this.id, data }));
    if (!delivered) throw new ProtocolError('unknown-peer', `no peer ${to} in room ${this.room}`, to);
    this.metrics.relay();
  }

  /** Answers a protocol violation with an error frame; enough of them close the client. */
  private reject(error: ProtocolError): void {
    this.metrics.error(error.code);
    const frame = { type: 'error', code: error.code, message: error.message } as const;
    this.send(encode(error.peer === undefined ? frame : { ...frame, id: error.peer }));
    if (!INVALID_MESSAGE_CODES.has(error.code)) return;
    if (++this.invalidMessages >= this.options.maxInvalidMessages) {
      this.close(CLOSE_CODES.abuse, 'abuse', `${this.invalidMessages} invalid messages`);
    }
  }

  private closed(): void {
    clearTimeout(this.joinTimer);
    clearTimeout(this.iceTimer);
    this.metrics.closed(this.closeReason);
    this.enqueue(async () => {
      const id = this.id;
      if (id === undefined) return;
      await this.options.rooms.leave(this.room, id);
      // Only those who were told of this member hear that it left: O(its acquaintances), not O(room).
      const left = encode({ type: 'left', id });
      await Promise.all([...this.acquaintances.ids()].map((peer) => this.options.rooms.sendTo(this.room, peer, left)));
    });
  }

  private send(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(frame);
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes && !this.closing) {
      // Not reading: a close frame would only queue behind the backlog, so cut the connection.
      this.closing = true;
      this.closeReason = 'slow-reader';
      this.ws.terminate();
    }
  }

  private close(code: number, reason: CloseReason, text: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closeReason = reason;
    this.ws.close(code, text);
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => this.fail(error));
  }

  /** Runs a synchronous handler; a throw is a bug, and costs this client its connection. */
  private guard(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.metrics.error('internal');
    this.options.onError(error);
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) {
      // Already on its way out: make sure the socket goes, without a second close frame.
      this.ws.terminate();
      return;
    }
    this.close(CLOSE_CODES.internal, 'internal', 'internal server error');
  }
}
