/**
 * A client of the web2p signaling server (signaling-server/PROTOCOL.md): joins one room under the
 * node id, tracks its members, carries signals, and reconnects with backoff when the connection
 * drops. It speaks through whatever WebSocket class it is given: the browser's global, or `ws`'s
 * in Node (web2p/node), which has none.
 */
import { ConnectionClosedError, SignalingError, TimeoutError } from '../../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';
import { Emitter } from '../../runtime/emitter.js';
import { systemRandom, type Random } from '../../runtime/random.js';
import { encodeClientMessage, parseServerMessage, type ErrorCode } from '../../signaling/messages.js';
import type { JoinProof } from '../../signaling/join-proof.js';
import {
  ID_TAKEN_RETRY_MS,
  RECONNECT_BASE_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_MS,
  SIGNALING_JOIN_TIMEOUT_MS,
} from './constants.js';
import { parseIceServers } from './ice-servers.js';
import type { IceServer } from './rtc-types.js';

/** The part of a WebSocket the client uses; the browser's and `ws`'s both fit. */
export interface WebSocketLike {
  /** Sends one text frame. */
  send(data: string): void;
  /** Closes the socket with a close code and reason. */
  close(code?: number, reason?: string): void;
  /** Listens for the socket opening or failing. */
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  /** Listens for frames from the server. */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Listens for the socket's end, with its close code and reason. */
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/** The browser's `WebSocket`, or `ws`'s in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The events of a SignalingClient: peers joining and leaving its room, signals, errors. */
export type SignalingClientEvents = {
  /** The room's other members, oldest first, after each successful (re)join. */
  peers: (ids: readonly string[]) => void;
  /** A member joined after us. */
  joined: (id: string) => void;
  /** A member's connection to the server ended. */
  left: (id: string) => void;
  /** The STUN/TURN servers the server hands out: on each join, and again before TURN credentials expire. */
  ice: (iceServers: IceServer[]) => void;
  /** Signaling data another member sent us, exactly as it sent it. */
  signal: (from: string, data: unknown) => void;
  /** The connection dropped; the next attempt starts in `delayMs`. */
  disconnected: (delayMs: number, reason: Error) => void;
  /** The server answered one of our messages with an error frame (other than the ones handled here). */
  error: (error: SignalingError) => void;
};

/** Options of `new SignalingClient(url, options)`. */
export interface SignalingClientOptions {
  /** `ws://host:port/<room>` or `wss://…`. */
  url: string;
  /** Our node id: the name we join under. */
  id: string;
  /** Signs the server's challenge (LocalNode.proveJoin); without it, joins carry no proof. */
  proveJoin?: (nonce: string) => JoinProof | Promise<JoinProof>;
  WebSocket: WebSocketConstructor;
  /** A socket to `url` already opening (preopened-websocket.ts), for the first attempt instead of a new one. */
  firstSocket?: WebSocketLike;
  clock?: Clock;
  random?: Random;
  /** Defaults in constants.ts. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  joinTimeoutMs?: number;
  idTakenRetryMs?: number;
}

type State = 'idle' | 'connecting' | 'joined' | 'closed';

/**
 * One room of a signaling server (`ws://host:port/<room>`): joins it, reconnects with backoff, and
 * carries WebRTC signals to and from the room's members. WebRtcTransport makes these; use one
 * directly only to write a transport of your own.
 */
export class SignalingClient extends Emitter<SignalingClientEvents> {
  readonly url: string;
  readonly id: string;
  #state: State = 'idle';
  readonly #options: SignalingClientOptions;
  readonly #clock: Clock;
  readonly #random: Random;
  #members = new Set<string>();
  #ws: WebSocketLike | undefined;
  /** The join deadline while connecting, the reconnect wait while dropped. */
  #timer: TimerHandle | undefined;
  /** Drops since the last successful join: the exponent of the backoff. */
  #failures = 0;
  #everJoined = false;
  #started: Promise<void> | undefined;
  /** options.firstSocket until the first attempt takes it. */
  #firstSocket: WebSocketLike | undefined;
  #resolveStarted!: () => void;
  #rejectStarted!: (error: Error) => void;

  constructor(options: SignalingClientOptions) {
    super();
    this.url = options.url;
    this.id = options.id;
    this.#options = options;
    this.#firstSocket = options.firstSocket;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
  }

  /** 'idle' before join, 'connecting', 'joined' while in the room, 'closed' after close(). */
  get state(): State {
    return this.#state;
  }

  /** The other members of the room while joined; empty while not. */
  get members(): ReadonlySet<string> {
    return this.#members;
  }

  /**
   * Connects and joins. Resolves on the first successful join; rejects when that first attempt
   * fails (server unreachable, bad room name, id taken), since then retrying would not help the
   * caller. Drops after a join are retried with backoff until `close()`.
   */
  start(): Promise<void> {
    this.#started ??= new Promise<void>((resolve, reject) => {
      this.#resolveStarted = resolve;
      this.#rejectStarted = reject;
      this.#connect();
    });
    return this.#started;
  }

  /** Sends `data` to member `to`. Returns false, sending nothing, when not joined or `to` is not a member. */
  send(to: string, data: unknown): boolean {
    if (this.#state !== 'joined' || !this.#members.has(to)) return false;
    this.#ws!.send(encodeClientMessage({ type: 'signal', to, data }));
    return true;
  }

  /** Leaves the room for good. */
  close(): void {
    this.#firstSocket?.close();
    this.#firstSocket = undefined;
    if (this.#state === 'closed') return;
    const wasStarting = !this.#everJoined;
    this.#state = 'closed';
    this.#detach();
    if (wasStarting) this.#rejectStarted?.(new ConnectionClosedError(`the signaling client for ${this.url} was closed`));
  }

  #connect(): void {
    this.#state = 'connecting';
    let ws: WebSocketLike;
    try {
      ws = this.#firstSocket ?? new this.#options.WebSocket(this.url);
      this.#firstSocket = undefined;
    } catch (error) {
      this.#drop(new SignalingError(`cannot open ${this.url}: ${String(error)}`, { cause: error }));
      return;
    }
    this.#ws = ws;
    const joinTimeoutMs = this.#options.joinTimeoutMs ?? SIGNALING_JOIN_TIMEOUT_MS;
    this.#timer = this.#clock.setTimeout(
      () => this.#drop(new TimeoutError(`no answer to our join from ${this.url} within ${joinTimeoutMs} ms`)),
      joinTimeoutMs,
    );
    // With a key to prove our id, the join answers the server's challenge; without, it goes at once.
    ws.addEventListener('open', () => {
      if (this.#ws === ws && !this.#options.proveJoin) ws.send(encodeClientMessage({ type: 'join', id: this.id }));
    });
    ws.addEventListener('message', (event) => {
      if (this.#ws === ws) this.#receive(event.data);
    });
    ws.addEventListener('close', (event) => {
      if (this.#ws !== ws) return;
      const reason = event.reason ? `${event.code} ${event.reason}` : `${event.code}`;
      this.#drop(new ConnectionClosedError(`the signaling server ${this.url} closed the connection (${reason})`));
    });
    // An 'error' is always followed by 'close', which handles it; `ws` throws an error nobody listens to.
    ws.addEventListener('error', () => undefined);
  }

  #receive(raw: unknown): void {
    // The server only sends the protocol's messages (signaling/messages.ts); anything else is not ours to act on.
    const message = parseServerMessage(String(raw));
    switch (message?.type) {
      case 'challenge': {
        const prove = this.#options.proveJoin;
        if (prove && this.#state === 'connecting') {
          // The proof may be signed asynchronously (WebCrypto): it goes on the connection it answers, if still open.
          const ws = this.#ws;
          void Promise.resolve(prove(message.nonce)).then(
            (proof) => {
              if (this.#ws === ws && this.#state === 'connecting') ws?.send(encodeClientMessage({ type: 'join', id: this.id, proof }));
            },
            (error: unknown) => {
              if (this.#ws === ws) this.#drop(new SignalingError(`could not sign the join proof for ${this.url}: ${String(error)}`, { cause: error }));
            },
          );
        }
        return;
      }
      case 'peers':
        return this.#onPeers(message.ids);
      case 'joined':
        if (this.#state === 'joined' && message.id !== this.id && !this.#members.has(message.id)) {
          // A repeat of a member the list already named is a no-op (PROTOCOL.md, Ordering).
          this.#members.add(message.id);
          this.emit('joined', message.id);
        }
        return;
      case 'left':
        this.#memberLeft(message.id);
        return;
      case 'signal':
        if (this.#state === 'joined') this.emit('signal', message.from, message.data);
        return;
      case 'ice': {
        const servers = parseIceServers(message.iceServers);
        if (servers) this.emit('ice', servers);
        else this.emit('error', new SignalingError(`the signaling server ${this.url} sent an unusable ice message; keeping the ICE servers we had`));
        return;
      }
      case 'error':
        return this.#onError(message.code, message.message, message.id);
    }
  }

  /** `id` is out of the room, however we heard: 'left' once, for a member we listed. */
  #memberLeft(id: string): void {
    if (this.#members.delete(id)) this.emit('left', id);
  }

  #onPeers(ids: readonly string[]): void {
    if (this.#state !== 'connecting') return;
    this.#clearTimer();
    this.#state = 'joined';
    this.#failures = 0;
    const list = ids.filter((id) => id !== this.id);
    this.#members = new Set(list);
    if (!this.#everJoined) {
      this.#everJoined = true;
      this.#resolveStarted();
    }
    this.emit('peers', list);
  }

  #onError(code: ErrorCode, text: string, id: string | undefined): void {
    if (code === 'id-taken' && this.#state === 'connecting') {
      // After a reconnect, the server may still hold our dead connection until its heartbeat drops it.
      const error = new SignalingError(`the id ${this.id} is taken in ${this.url}: ${text}`);
      this.#drop(error, this.#options.idTakenRetryMs ?? ID_TAKEN_RETRY_MS);
    } else if (code === 'room-full' && this.#state === 'connecting') {
      // The room is at the server's cap: a first join fails with this, a rejoin tries again later.
      this.#drop(new SignalingError(`the room ${this.url} is full: ${text}`));
    } else if (code === 'unknown-peer') {
      // A signal crossed the member's departure. Its `left` usually came first, but with Redis
      // scale-out the refusal can overtake it (the member is gone from Redis before the `left`
      // crosses over from its server): it left either way, and its `left` then finds no member.
      if (id !== undefined) this.#memberLeft(id);
    } else {
      this.emit('error', new SignalingError(`the signaling server ${this.url} refused a message: ${code}: ${text}`));
    }
  }

  /** Ends the current connection; before the first join that ends the client, after it a reconnect waits. */
  #drop(reason: Error, delayMs?: number): void {
    this.#detach();
    if (this.#state === 'closed') return;
    if (!this.#everJoined) {
      this.#state = 'closed';
      this.#rejectStarted(reason);
      return;
    }
    this.#state = 'connecting';
    this.#failures += 1;
    const wait = delayMs ?? this.#backoff();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#state !== 'closed') this.#connect();
    }, wait);
    this.emit('disconnected', wait, reason);
  }

  /** Exponential backoff with jitter, from the number of drops since the last join. */
  #backoff(): number {
    const base = this.#options.reconnectBaseMs ?? RECONNECT_BASE_MS;
    const max = this.#options.reconnectMaxMs ?? RECONNECT_MAX_MS;
    const ceiling = Math.min(max, base * 2 ** (this.#failures - 1));
    return Math.round(ceiling * (1 - RECONNECT_JITTER * this.#random.next()));
  }

  #detach(): void {
    this.#clearTimer();
    this.#members = new Set();
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.close();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
