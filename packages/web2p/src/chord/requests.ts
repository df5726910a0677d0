/**
 * Routed requests in flight. Answers travel back along the reverse path: each relaying node
 * remembers which neighbour a request came from (ForwardTable) and passes the answer there, so
 * neither the requester nor any relay needs a connection it does not already have. The requester
 * keeps its own requests (Lookups) and sends one again when an attempt goes unanswered.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import type { Connection } from '../mesh/connection.js';
import { FORWARD_MEMORY_MS, LOOKUP_ATTEMPT_MS, LOOKUP_ATTEMPTS, NO_ROUTE_RETRY_MS } from './constants.js';
import type { ChordAnswer, ChordRequest } from './messages.js';

/**
 * Where each relayed request came from, forgotten after FORWARD_MEMORY_MS. A request may pass a
 * node twice while the ring settles (on to a successor that then sends it back to its new
 * predecessor), so each node keeps a stack per request and an answer unwinds it; the hop limit,
 * not this table, stops real loops.
 */
export class ForwardTable {
  /** Insertion order is expiry order (one fixed memory span), so pruning takes from the front. */
  private readonly upstream = new Map<string, { conns: Connection[]; key: Uint8Array | undefined; expires: number }>();

  /** `key`: the request's (none for find), which the answer's signature covers (a relay checks it). */
  remember(id: string, conn: Connection, key: Uint8Array | undefined, nowMs: number): void {
    this.prune(nowMs);
    const entry = this.upstream.get(id);
    if (entry) entry.conns.push(conn);
    else this.upstream.set(id, { conns: [conn], key, expires: nowMs + FORWARD_MEMORY_MS });
  }

  /** The neighbour to pass an answer to (the last one the request came from here), and the request's key. */
  take(id: string): { conn: Connection; key: Uint8Array | undefined } | undefined {
    const entry = this.upstream.get(id);
    const conn = entry?.conns.pop();
    if (entry?.conns.length === 0) this.upstream.delete(id);
    return conn && { conn, key: entry!.key };
  }

  private prune(nowMs: number): void {
    for (const [id, entry] of this.upstream) {
      if (entry.expires > nowMs) return;
      this.upstream.delete(id);
    }
  }
}

/**
 * Sends a request on its way: the id of the neighbour it went to, true when this node answers it,
 * false when there is no route right now.
 */
export type Dispatch = (request: ChordRequest) => string | boolean;

/**
 * What the requester makes of an answer from a peer (the service checks signatures and who
 * answered, PROTOCOL.md §14.18): take it, try again shortly (it does not count), or take it marked
 * `refused` (a read whose record failed: the service asks the key's replicas instead).
 */
export type Verdict = 'accept' | 'retry' | 'bypass';
export type Vet = (request: ChordRequest, answer: ChordAnswer, from: Connection) => Verdict;

interface Attempt {
  request: ChordRequest;
  /** Unset while an attempt is being dispatched (a dispatch may settle the lookup right there). */
  timer: TimerHandle | undefined;
  /** The neighbour the current attempt went to. */
  via: string | undefined;
  /** Whether the last attempt found a route at all (for the timeout's message). */
  routed: boolean;
}

/**
 * This node's own requests: retried until answered or LOOKUP_ATTEMPTS × LOOKUP_ATTEMPT_MS pass.
 * Each attempt has its own request id, so relays keep the attempts' reverse paths apart and a late
 * answer to an abandoned attempt is ignored. The deadline, the close and the answer are the pending
 * table's; this class adds the attempts.
 */
export class Lookups {
  private readonly waiting: PendingRequests<string, ChordAnswer>;
  /** By the id of the current attempt (the key it waits under). */
  private readonly attempts = new Map<string, Attempt>();

  constructor(
    private readonly clock: Clock,
    private readonly dispatch: Dispatch,
    private readonly newId: () => string,
    private readonly vet: Vet,
  ) {
    this.waiting = new PendingRequests(clock);
  }

  start(request: ChordRequest): Promise<ChordAnswer> {
    const total = LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS;
    const entry: Attempt = { request, timer: undefined, via: undefined, routed: true };
    const answer = this.waiting.wait(request.id, {
      timeoutMs: total,
      timeoutMessage: () =>
        `chord ${request.kind} for position ${request.position} got no answer within ${total} ms` +
        (entry.routed ? '' : ': no storing node is reachable (has any node called join()?)'),
      onFail: () => this.forget(entry),
    });
    this.attempts.set(request.id, entry);
    this.attempt(entry);
    return answer;
  }

  /**
   * Settles the request an answer belongs to, if `vet` takes an answer that came from peer `from`
   * (our own answers are taken as they are); false when it is not ours (or already settled).
   */
  answer(answer: ChordAnswer, from?: Connection): boolean {
    const entry = this.attempts.get(answer.id);
    if (!entry) return false;
    // Set aside while vetted: vetting may drop the peer, whose loss must not retry the attempt under us.
    this.forget(entry);
    const verdict = from ? this.vet(entry.request, answer, from) : 'accept';
    if (verdict === 'retry') {
      // Not counted: the attempt goes again soon, under a new id.
      this.attempts.set(entry.request.id, entry);
      entry.timer = this.clock.setTimeout(() => this.retry(entry), NO_ROUTE_RETRY_MS);
      return true;
    }
    return this.waiting.resolve(answer.id, verdict === 'bypass' ? { ...answer, refused: true } : answer);
  }

  /**
   * A neighbour's connection closed: attempts that went to it are lost with it, so they are made
   * again now (by another route) rather than after LOOKUP_ATTEMPT_MS.
   */
  peerGone(id: string): void {
    for (const entry of [...this.attempts.values()]) {
      if (entry.via !== id) continue;
      if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
      this.retry(entry);
    }
  }

  /** Rejects everything still waiting (the socket closed). */
  close(error: Error): void {
    this.waiting.close(error);
  }

  private attempt(entry: Attempt): void {
    // A dispatch may settle the lookup at once; then there is nothing to wait for.
    const sent = this.dispatch(entry.request);
    if (!this.attempts.has(entry.request.id)) return;
    entry.via = typeof sent === 'string' ? sent : undefined;
    entry.routed = sent !== false;
    // The lookup's deadline (the pending table's) ends the last attempt.
    entry.timer = this.clock.setTimeout(() => this.retry(entry), sent === false ? NO_ROUTE_RETRY_MS : LOOKUP_ATTEMPT_MS);
  }

  /** A fresh attempt under a new id: a late answer to the old one is then ignored. */
  private retry(entry: Attempt): void {
    const previous = entry.request.id;
    entry.request = { ...entry.request, id: this.newId() };
    this.attempts.delete(previous);
    this.attempts.set(entry.request.id, entry);
    this.waiting.rekey(previous, entry.request.id);
    this.attempt(entry);
  }

  private forget(entry: Attempt): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.attempts.delete(entry.request.id);
  }
}
