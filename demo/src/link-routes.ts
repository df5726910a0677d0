/**
 * How each of this tab's links travels (host, srflx, prflx, relay), from `sock.stats()`, for the
 * network picture's colours and legend. Engines report the route only through `getStats()`, so it
 * is read when a peer comes or goes and every few seconds while links are up.
 */
import type { MeshSocket } from 'web2p';
import { el } from './dom.js';

/** How often the routes are read again: ICE may move a link to another pair (a relay, say). */
const REFRESH_MS = 3_000;

/** The routes a link can show, in the legend's order, with what each means to a user. */
export const ROUTES: ReadonlyArray<[route: string, meaning: string]> = [
  ['host', 'direct, on this network'],
  ['srflx', 'through a NAT (STUN)'],
  ['prflx', 'through a NAT (found while checking)'],
  ['relay', 'relayed by a TURN server'],
];

/** Neighbour id → route, kept current; `changed` runs after each read that changed something. */
export function trackRoutes(sock: MeshSocket, changed: () => void): ReadonlyMap<string, string> {
  const routes = new Map<string, string>();
  const read = async (): Promise<void> => {
    const { peers } = await sock.stats();
    const fresh = new Map(peers.map((peer) => [peer.id, peer.route]));
    const same = fresh.size === routes.size && [...fresh].every(([id, route]) => routes.get(id) === route);
    if (same) return;
    routes.clear();
    for (const [id, route] of fresh) routes.set(id, route);
    changed();
  };
  const refresh = (): void => void read().catch(() => undefined); // a closing socket: nothing to show
  sock.on('peer', refresh);
  sock.on('disconnect', refresh);
  const timer = setInterval(() => sock.routingTable.size > 0 && refresh(), REFRESH_MS);
  sock.on('state', (state) => state === 'closed' && clearInterval(timer));
  return routes;
}

/** The colour key under the picture. */
export function routeLegend(): HTMLElement {
  return el(
    'p',
    { className: 'route-legend' },
    ...ROUTES.map(([route, meaning]) => el('span', { className: `route route-${route}` }, `${route}: ${meaning}`)),
  );
}
