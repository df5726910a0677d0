/**
 * Every message the mesh core itself sends, as an encode/decode pair with no I/O (the y-protocols
 * shape; PROTOCOL.md §4 for py2p's, and web2p's own extensions marked as such). Decoders throw
 * FrameError for malformed input from a peer; the mesh then drops that peer.
 *
 *   handshake       whisper [0x05 handshake, id, protocol id, [host, port], [compression...]]  (handshake.ts;
 *                   the dialler speaks first, the other side answers in the dialler's types: peer-dialect.ts)
 *   peers           whisper [0x07 peers, [[[host, port], id], ...]]                            §4.7
 *   peer request    whisper [0x08 request, '*']                                                §4.7
 *   renegotiate     renegotiate [0x01 compression, [methods...]] | [0x09 resend]               §1.3
 *   route probe     broadcast [0x08 request, request id, target id]                            §4.10
 *   route answer    broadcast [0x0A response, request id, [[host, port], target id]]           §4.10
 *   signal relay    whisper ['web2p:signal', to, from, {data}]   web2p only (see signal-relay.ts)
 */
import { FrameError } from '../errors.js';
import type { SignalData, WireAddress } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import type { Packet } from '../wire/packet.js';
import { handshakePayload, packetText, parseWireAddress, type Handshake } from './handshake.js';
import { PEER_REQUEST_ALL, typedProtocolId, type PeerDialect } from './peer-dialect.js';

export { isHandshake, parseHandshake as decodeHandshake, type Handshake } from './handshake.js';

/** Our handshake, with the protocol id typed as the peer expects it (peer-dialect.ts). */
export function encodeHandshake(h: Handshake, dialect: Pick<PeerDialect, 'binProtocolId'>): Packet[] {
  const [flag, id, , addr, compression] = handshakePayload(h);
  return [flag!, id!, typedProtocolId(h.protocolId, dialect), addr!, compression!];
}

// ------------------------------------------------------------------ peers (§4.7)

export interface PeerEntry {
  id: string;
  addr: WireAddress;
}

export function encodePeers(peers: readonly PeerEntry[]): Packet[] {
  return [flags.peers, peers.map(({ id, addr }) => [[...addr], id])];
}

/** The well-formed entries of a peer list; malformed entries are skipped as py2p skips them. */
export function decodePeers(payload: readonly Packet[]): PeerEntry[] {
  const list = payload[1];
  if (!Array.isArray(list)) throw new FrameError('bad peers message: the list must be an array');
  const peers: PeerEntry[] = [];
  for (const entry of list) {
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const addr = parseWireAddress(entry[0]);
    const id = packetText(entry[1]);
    if (addr && id !== undefined) peers.push({ id, addr });
  }
  return peers;
}

// ------------------------------------------------------------------ requests (§4.7, §4.10)

export const PEERS_WILDCARD = '*';

/**
 * `request '*'` with '*' as bin: py2p compares it with b'*' (a str falls through to a route lookup
 * that raises, and py2p answers with renegotiate, §11); js2p and web2p read either type.
 */
export function encodePeerRequest(): Packet[] {
  return [flags.request, PEER_REQUEST_ALL];
}

/** `target` as str, or as bin for a py2p target (peer-dialect.ts). */
export function encodeRouteProbe(requestId: string, target: string | Uint8Array): Packet[] {
  return [flags.request, requestId, target];
}

/** `request '*'` asks for peers; any other request is a reply route probe. */
export type MeshRequest = { kind: 'peers' } | { kind: 'route'; requestId: string; target: string };

export function decodeRequest(payload: readonly Packet[]): MeshRequest {
  if (packetText(payload[1]) === PEERS_WILDCARD) return { kind: 'peers' };
  const requestId = packetText(payload[1]);
  const target = packetText(payload[2]);
  if (requestId === undefined || target === undefined) {
    throw new FrameError('bad request message: expected [request, request id, node id]');
  }
  return { kind: 'route', requestId, target };
}

export function encodeRouteAnswer(requestId: string, addr: WireAddress, target: string): Packet[] {
  return [flags.response, requestId, [[...addr], target]];
}

/** The request id of a route answer, read first: answers to others' probes are ignored unread. */
export function routeAnswerId(payload: readonly Packet[]): string | undefined {
  return packetText(payload[1]);
}

export function decodeRouteAnswer(payload: readonly Packet[]): WireAddress {
  const route = payload[2];
  const addr = Array.isArray(route) ? parseWireAddress(route[0]) : undefined;
  if (!addr) throw new FrameError('bad response message: expected [response, request id, [[host, port], node id]]');
  return addr;
}

// ------------------------------------------------------------------ renegotiate (§1.3)

export function encodeCompressionOffer(methods: readonly number[]): Packet[] {
  return [flags.compression, [...methods]];
}

export type Renegotiation = { kind: 'compression'; methods: number[] } | { kind: 'resend' } | { kind: 'other' };

export function decodeRenegotiate(payload: readonly Packet[]): Renegotiation {
  const [subFlag, list] = payload;
  if (subFlag === flags.compression && Array.isArray(list)) {
    return { kind: 'compression', methods: list.filter((m): m is number => typeof m === 'number') };
  }
  return subFlag === flags.resend ? { kind: 'resend' } : { kind: 'other' };
}

// ------------------------------------------------------------------ signal relay (web2p)

/** A string, outside py2p's integer range, so py2p/js2p peers ignore it as an unknown sub-flag. */
export const SIGNAL_SUBFLAG = 'web2p:signal';

export interface RelayedSignal {
  to: string;
  from: string;
  data: SignalData;
}

export function encodeSignal({ to, from, data }: RelayedSignal): Packet[] {
  return [SIGNAL_SUBFLAG, to, from, data as Packet];
}

export function decodeSignal(payload: readonly Packet[]): RelayedSignal {
  const to = packetText(payload[1]);
  const from = packetText(payload[2]);
  const data = payload[3];
  if (to === undefined || from === undefined || data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array) {
    throw new FrameError('bad signal message: expected [web2p:signal, to, from, {data}]');
  }
  return { to, from, data: data as SignalData };
}
