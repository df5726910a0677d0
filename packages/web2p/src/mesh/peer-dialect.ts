/**
 * What one peer expects on the wire, read from the handshake it sends (PROTOCOL.md §2.4 and §13).
 *
 * The upstreams differ in msgpack types, and py2p compares by type ('x' != b'x' in Python 3):
 * - py2p 0.7.878 (the last PyPI release) sends its protocol id as bin and refuses a str one;
 * - py2p 0.7.870 sends it as str and refuses a bin one; js2p sends str and accepts either;
 * - both py2p versions send node ids and senders as bin, js2p and web2p as str.
 * web2p accepts every combination, and answers each peer with the protocol-id type the peer used.
 * A peer that dials us sends its handshake first (both upstreams do, on connect), so we answer in
 * kind. When we dial, we must speak first to web2p peers (which wait for the dialler, see
 * MeshSocket.adopt), so we send str, unless the address answered in bin before; a peer that
 * answers in bin is redialled once in bin.
 *
 * Node ids and senders stay str towards everyone: a broadcast's sender is part of its bytes and so
 * of its id, and one message must keep one id on every link for the mesh to drop duplicates. py2p
 * keys its routing table by the id in our handshake, so that id is typed like our senders (str),
 * and its replies and lookups find us.
 */
import type { Packet } from '../wire/packet.js';
import { utf8 } from '../wire/packet.js';
import { NEIGHBOUR_UPDATES_MARKER, UNHASHED_WHISPERS_MARKER } from './constants.js';

export interface PeerDialect {
  /** The peer sent its protocol id as bin (py2p 0.7.878) and expects ours as bin. */
  readonly binProtocolId: boolean;
  /** The peer sent its node id as bin: py2p, which types every id and key of its own as bytes. */
  readonly binIds: boolean;
  /** The peer is web2p (NEIGHBOUR_UPDATES_MARKER in its compression list): it takes our extensions. */
  readonly web2p: boolean;
  /** The peer takes whispers without their id (UNHASHED_WHISPERS_MARKER; PROTOCOL.md §14.11). */
  readonly unhashedWhispers: boolean;
}

/** `request '*'`'s '*' (§4.3) as bin: py2p compares it with b'*'; js2p and web2p read either type. */
export const PEER_REQUEST_ALL = utf8('*');

/** What we assume of a peer before its handshake: js2p's and py2p 0.7.870's str protocol id. */
export const STR_DIALECT: PeerDialect = { binProtocolId: false, binIds: false, web2p: false, unhashedWhispers: false };

/** The dialect a mesh handshake payload (already checked by parseHandshake) shows. */
export function dialectOf(payload: readonly Packet[]): PeerDialect {
  const compression = payload[4];
  return {
    binProtocolId: payload[2] instanceof Uint8Array,
    binIds: payload[1] instanceof Uint8Array,
    web2p: Array.isArray(compression) && compression.includes(NEIGHBOUR_UPDATES_MARKER),
    unhashedWhispers: Array.isArray(compression) && compression.includes(UNHASHED_WHISPERS_MARKER),
  };
}

/** Our protocol id typed as `dialect` expects it. */
export function typedProtocolId(id: string, dialect: Pick<PeerDialect, 'binProtocolId'>): Packet {
  return dialect.binProtocolId ? utf8(id) : id;
}

/**
 * Whether the first bytes from a peer are a TLS handshake record (content type 22, version 3.x): a
 * py2p/js2p 'SSL' node dialling a plain TCP socket. No py2p frame starts so: it would announce a
 * body of over 369 MB.
 */
export function speaksTls(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === TLS_HANDSHAKE_RECORD && bytes[1] === 3 && bytes[2]! <= 4;
}

/** The first byte of a TLS handshake record (RFC 8446 §5.1, ContentType.handshake). */
const TLS_HANDSHAKE_RECORD = 0x16;
