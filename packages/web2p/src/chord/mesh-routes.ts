/**
 * Chord over the mesh route (issue 14; PROTOCOL.md §14.4, §14.9): a ring node that cannot be dialled
 * (two browsers behind symmetric NATs without TURN) is still talked to, through the nodes both are
 * linked to, as a RoutedConnection. Chord messages then travel as routed messages of kind 'chord'
 * with body `[[host, port] of the sender, ...chord payload]`, and arrive at the chord service as if
 * from a neighbour; so a node that reaches the room only through others is a full ring member.
 * A node on the way that has no route further says so, and the node is then dropped like a
 * neighbour whose link closed.
 */
import type { Connection } from '../mesh/connection.js';
import { parseWireAddress } from '../mesh/handshake.js';
import type { Message } from '../mesh/message.js';
import { RoutedConnection, routedMessage } from '../mesh/routed-connection.js';
import type { MeshContext } from '../mesh/service.js';
import type { WireAddress } from '../transport/types.js';
import type { Packet } from '../wire/packet.js';
import { MAX_ROUTED_RING_NODES } from './constants.js';
import type { NodeEntry } from './messages.js';

export const CHORD_KIND = 'chord';

export interface ChordRoutesHost {
  /** A chord message from a node over the route, with the connection that answers it the same way. */
  deliver(msg: Message, conn: Connection): void;
  /** A node reached over the route is gone (a node on the way had no route further). */
  gone(id: string): void;
}

export class ChordRoutes {
  private readonly links = new Map<string, RoutedConnection>();

  constructor(
    private readonly mesh: MeshContext,
    host: ChordRoutesHost,
  ) {
    mesh.routed.on(CHORD_KIND, (from, body) => {
      const [addr, ...payload] = body;
      const conn = this.link(from, parseWireAddress(addr) ?? ['', 0]);
      if (!conn) {
        mesh.debug.print(1, () => `chord over the mesh route: already ${MAX_ROUTED_RING_NODES} nodes, ${from} ignored`);
        return;
      }
      host.deliver(routedMessage(from, mesh.nowSeconds(), payload, { reply: () => Promise.resolve() }), conn);
    });
    mesh.routed.onUnreachable((id) => {
      if (!this.drop(id)) return;
      host.gone(id);
    });
  }

  /** The connection to a ring node: the direct link when there is one, else the mesh route in use. */
  get(id: string): Connection | undefined {
    return this.mesh.routingTable.get(id) ?? this.links.get(id);
  }

  /** A connection to `entry` over the mesh route, when the mesh knows a way to it (a dial failed). */
  viaMesh(entry: NodeEntry): Connection | undefined {
    return this.mesh.routed.hasRoute(entry.id) ? this.link(entry.id, entry.addr) : undefined;
  }

  /** Stops routing to `id`; whether a route was in use. */
  drop(id: string): boolean {
    const conn = this.links.get(id);
    conn?.close();
    return this.links.delete(id);
  }

  /** Routes to nodes we have since linked to directly are not needed any more. */
  private dropLinked(): void {
    for (const id of [...this.links.keys()]) if (this.mesh.routingTable.has(id)) this.drop(id);
  }

  /** The route in use to `id`, made if need be; undefined when MAX_ROUTED_RING_NODES are in use. */
  private link(id: string, addr: WireAddress): RoutedConnection | undefined {
    let conn = this.links.get(id);
    if (!conn) {
      if (this.links.size >= MAX_ROUTED_RING_NODES) this.dropLinked();
      if (this.links.size >= MAX_ROUTED_RING_NODES) return undefined;
      const { mesh } = this;
      conn = new RoutedConnection(id, addr, (payload: Packet[]) => mesh.routed.send(id, CHORD_KIND, [[...mesh.wireAddress()], ...payload]));
      this.links.set(id, conn);
    }
    return conn;
  }
}
