/**
 * Paths to nodes that are not neighbours (PROTOCOL.md §14.10), set up hop by hop as AODV does: the
 * sender broadcasts `find [route id, target]`; every node remembers the neighbour the probe first
 * came from (the way back to the sender); the target whispers `found [route id]` to that neighbour,
 * and each node on the way back passes it on to the neighbour it remembered, learning as it does the
 * neighbour towards the target. Once `found` reaches the sender, each node on the path holds the
 * pair (towards sender, towards target) for that route id, and frames tagged with it cross the mesh
 * one neighbour at a time, in both directions, with no per-message search.
 *
 * The probe rides the waterfall, so it reaches every node once and the first copy wins: the path is
 * the quickest one. What a node remembers is bounded (MAX_PENDING_ROUTES, pruned after
 * STREAM_OPEN_TIMEOUT_MS); what the route carries is the user's business (streams.ts: the relays).
 */
import { StreamUnreachableError } from '../../errors.js';
import { PendingRequests } from '../../runtime/pending-requests.js';
import { flags } from '../../wire/flags.js';
import type { Connection } from '../connection.js';
import type { Message } from '../message.js';
import type { MeshContext, Service } from '../service.js';
import { MAX_PENDING_ROUTES } from './constants.js';
import { decodeRouteFrame, encodeRouteFrame, ROUTE_SUBFLAG, whisper } from './stream-messages.js';

/**
 * This node is on the path of `routeId`: frames pass between the two neighbours. Returns false to
 * refuse (no room); the sender then times out with StreamUnreachableError.
 */
export type RelayRoute = (routeId: string, towardSender: Connection, towardTarget: Connection) => boolean;

/** A neighbour remembered for a route id, and since when (virtual ms). */
interface Hop {
  conn: Connection;
  at: number;
}

export class MeshRoutes implements Service {
  readonly name = 'mesh routes';
  readonly subFlags = [ROUTE_SUBFLAG];
  private mesh!: MeshContext;
  /** Our own probes: the neighbour towards the target once `found` comes back. */
  private waiting!: PendingRequests<string, Connection>;
  /** Probes that passed through: the neighbour towards their sender. */
  private readonly backward = new Map<string, Hop>();
  /** Probes that found us: the neighbour the sender's frames will come from. */
  private readonly arrivals = new Map<string, Hop>();

  constructor(
    /** How long a probe waits for `found`, and how long a node remembers one. */
    private readonly timeoutMs: number,
    private readonly relay: RelayRoute,
  ) {}

  start(mesh: MeshContext): void {
    this.mesh = mesh;
    this.waiting = new PendingRequests(mesh.clock);
  }

  /**
   * The neighbour to send `routeId`'s frames to so they reach `target`: the target itself when it is
   * a neighbour, else the first hop of a path found by a probe. Rejects with
   * StreamUnreachableError when no path is found within the timeout, AbortError on `signal`.
   */
  async find(target: string, routeId: string, signal?: AbortSignal): Promise<Connection> {
    const direct = this.mesh.routingTable.get(target);
    if (direct) return direct;
    const found = this.waiting.wait(routeId, { timeoutMs: this.timeoutMs, timeoutMessage: '', signal });
    this.mesh.debug.print(2, () => `looking for a route to ${target} (route ${routeId.slice(0, 8)})`);
    this.mesh.sendPayload(flags.broadcast, encodeRouteFrame({ kind: 'find', id: routeId, to: target }));
    try {
      return await found;
    } catch (error) {
      throw error instanceof Error && error.name === 'TimeoutError' ? new StreamUnreachableError(target) : error;
    }
  }

  /** The neighbour a probe for `routeId` reached us through (once: the entry is taken). */
  takeArrival(routeId: string): Connection | undefined {
    const hop = this.arrivals.get(routeId);
    this.arrivals.delete(routeId);
    return hop?.conn;
  }

  handle(msg: Message, conn: Connection): void {
    const frame = decodeRouteFrame(msg.wire.payload);
    this.prune();
    if (frame.kind === 'find') {
      if (msg.sender === this.mesh.id) return;
      if (frame.to === this.mesh.id) {
        remember(this.arrivals, frame.id, { conn, at: this.mesh.clock.now() });
        whisper(conn, encodeRouteFrame({ kind: 'found', id: frame.id }));
      } else {
        remember(this.backward, frame.id, { conn, at: this.mesh.clock.now() });
      }
      return;
    }
    if (this.waiting.resolve(frame.id, conn)) return;
    const back = this.backward.get(frame.id);
    if (!back) return; // late, a second answer, or not ours: the first found wins
    this.backward.delete(frame.id);
    if (back.conn.closed || back.conn === conn || !this.relay(frame.id, back.conn, conn)) return;
    whisper(back.conn, encodeRouteFrame(frame));
  }

  stop(): void {
    this.waiting?.close();
  }

  /** Forgets probes older than the timeout (maps keep insertion order, and times only grow). */
  private prune(): void {
    const oldest = this.mesh.clock.now() - this.timeoutMs;
    for (const table of [this.backward, this.arrivals]) {
      for (const [id, hop] of table) {
        if (hop.at > oldest) break;
        table.delete(id);
      }
    }
  }
}

/** Files `hop` under `id` (a repeat probe id keeps the first), evicting the oldest past the bound. */
function remember(table: Map<string, Hop>, id: string, hop: Hop): void {
  if (table.has(id)) return;
  table.set(id, hop);
  if (table.size > MAX_PENDING_ROUTES) table.delete(table.keys().next().value!);
}
