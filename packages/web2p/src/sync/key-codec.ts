/**
 * Sync keys (PROTOCOL.md §6.1): callers pass text or bytes, the dict holds bytes.
 * Text is UTF-8 encoded, so `'k'` and `utf8('k')` are one key. On the wire a key is msgpack bin, as
 * py2p and js2p send it, and either str or bin is accepted.
 */
import { toHex, utf8, type Packet } from '../wire/packet.js';

/** A key as callers pass it and as `keys()` gives it back. */
export type Key = string | Uint8Array;

/**
 * The key's bytes. A string with a lone surrogate encodes it as U+FFFD, as TextEncoder does, so it
 * names the same key as the string with U+FFFD in its place.
 */
export function keyBytes(key: Key): Uint8Array {
  if (typeof key === 'string') return utf8(key);
  if (key instanceof Uint8Array) return key;
  throw new TypeError(`a sync key must be a string or a Uint8Array, not ${describeType(key)}`);
}

/** A key taken from a peer's message: str or bin; anything else is not a key. */
export function keyFromPacket(packet: Packet | undefined): Uint8Array | undefined {
  if (typeof packet === 'string') return utf8(packet);
  if (packet instanceof Uint8Array) return packet;
  return undefined;
}

/** The key's identity for maps and store entries: its bytes in hex. */
export function keyId(bytes: Uint8Array): string {
  return toHex(bytes);
}

export function keyFromId(id: string): Uint8Array {
  if (id.length % 2 !== 0 || !/^[0-9a-f]*$/.test(id)) throw new TypeError(`not a key id: ${JSON.stringify(id)}`);
  const out = new Uint8Array(id.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(id.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
