/**
 * The network picture: this tab's node, its neighbours (its routing table, authoritative for its
 * own links) and, from what the others tell, the links between them. The library keeps what a node
 * knows of the mesh beyond its neighbours private, so each tab broadcasts its neighbour list on
 * the chat mesh whenever its table changes, and answers a newcomer's list with its own.
 */
import { flags, type MeshSocket } from 'web2p';
import { el, onCircle, svg, who } from './dom.js';
import { routeLegend, trackRoutes } from './link-routes.js';

const NEIGHBOURS = 'web2p-demo/neighbours';
const SIZE = 360;
const CENTER = SIZE / 2;
const RADIUS = 130;

export function mountNetwork(root: HTMLElement, sock: MeshSocket): void {
  /** Each other node's last reported neighbour list. */
  const reports = new Map<string, string[]>();
  const picture = svg('svg', { id: 'network-graph', viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img' });
  const summary = el('p', { id: 'network-summary' });
  const routes = trackRoutes(sock, () => draw());

  const draw = (): void => {
    const { nodes, edges } = graph(sock.id, [...sock.routingTable.keys()], reports);
    // This node at the top, the rest clockwise in id order: a stable layout as links come and go.
    const order = [sock.id, ...[...nodes].filter((id) => id !== sock.id).sort()];
    const place = new Map(order.map((id, i) => [id, onCircle(CENTER, CENTER, order.length === 1 ? 0 : RADIUS, i / order.length)]));
    const parts: SVGElement[] = [];
    for (const [a, b] of edges) {
      const from = place.get(a)!;
      const to = place.get(b)!;
      const mine = a === sock.id || b === sock.id;
      // Our own links are coloured by how they travel (link-routes.ts); the others' we cannot see.
      const route = mine ? (routes.get(a === sock.id ? b : a) ?? 'unknown') : '';
      parts.push(svg('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y, class: mine ? `edge mine route-${route}` : 'edge', 'data-route': route }));
    }
    for (const [id, { x, y }] of place) {
      const kind = id === sock.id ? 'self' : sock.routingTable.has(id) ? 'neighbour' : 'far';
      parts.push(svg('circle', { cx: x, cy: y, r: 14, class: `node ${kind}`, 'data-id': id }), svg('text', { x, y: y + 30, class: 'label' }, who(id, sock.id)));
    }
    picture.replaceChildren(...parts);
    picture.dataset.nodes = String(nodes.size);
    picture.dataset.edges = String(edges.length);
    const neighbours = sock.routingTable.size;
    summary.textContent = `${nodes.size} node${nodes.size === 1 ? '' : 's'}, ${edges.length} link${edges.length === 1 ? '' : 's'}; ${neighbours} of them ours`;
  };

  const announce = (): void => {
    sock.send(NEIGHBOURS, [...sock.routingTable.keys()]);
    draw();
  };

  sock.registerHandler((msg, _conn) => {
    const [type, kind, list] = msg.packets;
    if (kind !== NEIGHBOURS || !Array.isArray(list) || !list.every((id) => typeof id === 'string')) return false;
    const newcomer = !reports.has(msg.sender);
    reports.set(msg.sender, list as string[]);
    // Only an answer to a broadcast: answering answers would ping-pong forever.
    if (newcomer && type === flags.broadcast) void msg.reply(NEIGHBOURS, [...sock.routingTable.keys()]);
    draw();
    return true;
  });
  sock.on('peer', announce);
  sock.on('disconnect', (id) => {
    reports.delete(id);
    announce();
  });
  draw();

  root.append(
    el('h2', {}, 'Network'),
    el('p', { className: 'hint' }, 'The chat mesh as this tab sees it: thick lines are its own connections, coloured by how they travel; thin ones are links the others report.'),
    summary,
    picture,
    routeLegend(),
  );
}

/**
 * The part of the mesh reachable from `self`. Our links are our routing table; a link between two
 * others counts when one reports it and the other does not deny it (has no report, or lists it),
 * so a link that one side already dropped disappears with that side's next report.
 */
function graph(self: string, neighbours: string[], reports: ReadonlyMap<string, readonly string[]>): { nodes: Set<string>; edges: Array<[string, string]> } {
  const adjacent = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      if (!adjacent.has(x)) adjacent.set(x, new Set());
      adjacent.get(x)!.add(y);
    }
  };
  for (const id of neighbours) link(self, id);
  for (const [a, list] of reports) {
    for (const b of list) {
      if (a === self || b === self) continue;
      const other = reports.get(b);
      if (!other || other.includes(a)) link(a, b);
    }
  }
  const nodes = new Set([self]);
  const todo = [self];
  while (todo.length) for (const next of adjacent.get(todo.pop()!) ?? []) if (!nodes.has(next)) nodes.add(next), todo.push(next);
  const edges: Array<[string, string]> = [];
  for (const a of nodes) for (const b of adjacent.get(a) ?? []) if (a < b) edges.push([a, b]);
  return { nodes, edges };
}
