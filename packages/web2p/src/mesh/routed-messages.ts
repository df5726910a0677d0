/**
 * The envelope of a message routed hop by hop to one node (web2p only, PROTOCOL.md §14.9), as an
 * encode/decode pair with no I/O:
 *
 *   whisper   ['web2p:route', to, from, hops left (int), kind (str), ...body]   to the next hop
 *   broadcast ['web2p:route', to, from, hops left (int), kind (str), ...body]   when no route is known
 *
 * The string sub-flag is outside py2p's integer range: py2p/js2p peers ignore it (and are never
 * chosen as a next hop).
 */
import { FrameError } from '../errors.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import { packetText } from './handshake.js';

export const ROUTE_SUBFLAG = 'web2p:route';

export interface RoutedEnvelope<P = Packet> {
  to: string;
  from: string;
  hops: number;
  kind: string;
  body: readonly P[];
}

export function encodeRouted({ to, from, hops, kind, body }: RoutedEnvelope<OutgoingPacket>): OutgoingPacket[] {
  return [ROUTE_SUBFLAG, to, from, hops, kind, ...body];
}

export function decodeRouted(payload: readonly Packet[]): RoutedEnvelope {
  const to = packetText(payload[1]);
  const from = packetText(payload[2]);
  const hops = payload[3];
  const kind = payload[4];
  if (to === undefined || from === undefined || typeof hops !== 'number' || !Number.isInteger(hops) || typeof kind !== 'string') {
    throw new FrameError('bad routed message: expected [web2p:route, to, from, hops (int), kind (str), ...body]');
  }
  return { to, from, hops, kind, body: payload.slice(5) };
}
