/**
 * The mesh handshake (PROTOCOL.md §2.1): `whisper [handshake, id, protocol id, [host, port],
 * [compression...]]`, exactly five payload items. Anything else with the handshake sub-flag is not a
 * mesh handshake (chord's meta message has two items).
 */
import { FrameError } from '../errors.js';
import type { WireAddress } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import { isValidNodeId } from '../wire/node-id.js';
import { fromUtf8, type Packet } from '../wire/packet.js';

export interface Handshake {
  id: string;
  protocolId: string;
  addr: WireAddress;
  compression: number[];
}

export function handshakePayload(h: Handshake): Packet[] {
  return [flags.handshake, h.id, h.protocolId, [...h.addr], h.compression];
}

export function isHandshake(payload: readonly Packet[]): boolean {
  return payload[0] === flags.handshake && payload.length === 5;
}

/** Text from a str or bin packet (py2p sends ids as bin, js2p as str: §2.4). */
export function packetText(value: Packet | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return fromUtf8(value);
  return undefined;
}

export function parseWireAddress(value: Packet | undefined): WireAddress | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const host = packetText(value[0]);
  const port = value[1];
  if (host === undefined || typeof port !== 'number' || !Number.isInteger(port)) return undefined;
  return [host, port];
}

/** Throws FrameError when the five items are not what a handshake must carry. */
export function parseHandshake(payload: readonly Packet[]): Handshake {
  const id = packetText(payload[1]);
  if (id === undefined || !isValidNodeId(id)) throw new FrameError('bad handshake: the node id must be a base58 str or bin');
  const protocolId = packetText(payload[2]);
  if (protocolId === undefined) throw new FrameError('bad handshake: the protocol id must be a str or bin');
  const addr = parseWireAddress(payload[3]);
  if (!addr) throw new FrameError('bad handshake: the address must be [host, port]');
  const compression = payload[4];
  if (!Array.isArray(compression) || !compression.every((m) => typeof m === 'number')) {
    throw new FrameError('bad handshake: the compression list must be an array of integers');
  }
  return { id, protocolId, addr, compression: compression as number[] };
}
