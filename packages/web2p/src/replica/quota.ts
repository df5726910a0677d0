/**
 * Storage quotas per writer (issue 16): how many keys and bytes each writer holds on this replica,
 * and whether one more record would take it over its limit. Sync counts per owner, chord per writer.
 */
import { encode } from '../wire/msgpack.js';
import type { Packet } from '../wire/packet.js';

export interface QuotaLimits {
  readonly keys: number;
  readonly bytes: number;
}

interface Usage {
  keys: number;
  bytes: number;
}

export class WriterUsage {
  private readonly usage = new Map<string, Usage>();

  constructor(readonly limits: QuotaLimits) {}

  /** Counts a record of `bytes` for `writer` (`sign` -1 to uncount it). */
  count(writer: string, bytes: number, sign: 1 | -1): void {
    let usage = this.usage.get(writer);
    if (!usage) this.usage.set(writer, (usage = { keys: 0, bytes: 0 }));
    usage.keys += sign;
    usage.bytes += sign * bytes;
    if (usage.keys <= 0) this.usage.delete(writer);
  }

  /**
   * Which limit `writer` would pass if a record of `bytes` replaced one of `replacedBytes` of its
   * own (undefined when it replaces none of its own), or undefined when it stays within both.
   */
  exceeded(writer: string, bytes: number, replacedBytes: number | undefined): 'keys' | 'bytes' | undefined {
    return this.exceededBy(writer, replacedBytes === undefined ? 1 : 0, bytes - (replacedBytes ?? 0));
  }

  /** Which limit `writer` would pass with `keys` more keys and `bytes` more bytes (either may be negative). */
  exceededBy(writer: string, keys: number, bytes: number): 'keys' | 'bytes' | undefined {
    const usage = this.usage.get(writer) ?? { keys: 0, bytes: 0 };
    if (keys > 0 && usage.keys + keys > this.limits.keys) return 'keys';
    if (bytes > 0 && usage.bytes + bytes > this.limits.bytes) return 'bytes';
    return undefined;
  }
}

/** A record's size for the quota: its key and its value's msgpack encoding (a deletion: the key). */
export function recordSize(key: Uint8Array, value: Packet | null | undefined): number {
  return key.length + (value === null || value === undefined ? 0 : encode(value).length);
}
