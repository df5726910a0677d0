/** Mappings, the values deltas (PROTOCOL.md §6.4 apply_delta) merge into, for sync and chord. */
import type { Packet } from '../wire/packet.js';

/** A JSON-like mapping, the only value a delta merges into. */
export type Mapping = { [key: string]: Packet };

/** A msgpack map: a plain object, not an array or bytes. */
export function isMapping(value: Packet | null | undefined): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** py2p's `dict.update`: a shallow merge into a new mapping, a sub-key of the delta replacing the one it names. */
export function mergeMapping(base: Packet | null | undefined, delta: Mapping): Mapping {
  const out: Mapping = {};
  for (const source of [isMapping(base) ? base : {}, delta]) {
    for (const [key, value] of Object.entries(source)) {
      // defineProperty, not assignment: a "__proto__" sub-key must stay a plain key.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}
