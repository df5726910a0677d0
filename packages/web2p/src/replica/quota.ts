/**
 * Storage quotas per writer (issue 16): how many keys and bytes each writer holds on this replica,
 * and whether one more record would take it over its limit. Sync counts per owner, chord per writer.
 */
import { encode } from '../wire/msgpack.js';
import type { Packet } from '../wire/packet.js';

export interface QuotaLimits {
  readonly keys: number;
  readonly bytes: number;
  /**
   * All writers' records together on this replica (no bound when absent). The per-writer quota
   * alone does not bound a replica: writers are identities anyone can make (or, unsigned, name).
   */
  readonly storedKeys?: number;
  readonly storedBytes?: number;
}

/** Which limit a record would pass: its writer's quota, or the replica's bound on all writers. */
export type QuotaLimit = 'keys' | 'bytes' | 'stored-keys' | 'stored-bytes';

/** The record a new one would replace for its key: whose it is and its size. */
export interface Replaced {
  readonly writer: string;
  readonly bytes: number;
}

interface Usage {
  keys: number;
  bytes: number;
}

export class WriterUsage {
  private readonly usage = new Map<string, Usage>();
  /** Every writer's records together. */
  private readonly stored: Usage = { keys: 0, bytes: 0 };

  constructor(readonly limits: QuotaLimits) {}

  /** Counts a record of `bytes` for `writer` (`sign` -1 to uncount it). */
  count(writer: string, bytes: number, sign: 1 | -1): void {
    let usage = this.usage.get(writer);
    if (!usage) this.usage.set(writer, (usage = { keys: 0, bytes: 0 }));
    usage.keys += sign;
    usage.bytes += sign * bytes;
    if (usage.keys <= 0) this.usage.delete(writer);
    this.stored.keys += sign;
    this.stored.bytes += sign * bytes;
  }

  /**
   * Which limit a record of `bytes` by `writer` would pass if it replaced `replaced` (the record
   * held for its key, whoever wrote it; undefined when none is), or undefined when it stays within all.
   */
  exceeded(writer: string, bytes: number, replaced: Replaced | undefined): QuotaLimit | undefined {
    const own = replaced?.writer === writer ? replaced.bytes : undefined;
    return this.exceededBy(writer, own === undefined ? 1 : 0, bytes - (own ?? 0)) ?? this.storedExceededBy(replaced ? 0 : 1, bytes - (replaced?.bytes ?? 0));
  }

  /** Which of its quotas `writer` would pass with `keys` more keys and `bytes` more bytes (either may be negative). */
  exceededBy(writer: string, keys: number, bytes: number): 'keys' | 'bytes' | undefined {
    const usage = this.usage.get(writer) ?? { keys: 0, bytes: 0 };
    if (keys > 0 && usage.keys + keys > this.limits.keys) return 'keys';
    if (bytes > 0 && usage.bytes + bytes > this.limits.bytes) return 'bytes';
    return undefined;
  }

  /** Which bound on all writers the replica would pass with `keys` more keys and `bytes` more bytes. */
  storedExceededBy(keys: number, bytes: number): 'stored-keys' | 'stored-bytes' | undefined {
    if (keys > 0 && this.stored.keys + keys > (this.limits.storedKeys ?? Infinity)) return 'stored-keys';
    if (bytes > 0 && this.stored.bytes + bytes > (this.limits.storedBytes ?? Infinity)) return 'stored-bytes';
    return undefined;
  }
}

/** The number `over` stands for in `limits`. */
export function limitOf(limits: QuotaLimits, over: QuotaLimit): number {
  const { keys, bytes, storedKeys = Infinity, storedBytes = Infinity } = limits;
  return { keys, bytes, 'stored-keys': storedKeys, 'stored-bytes': storedBytes }[over];
}

/** Whether `over` is the writer's own quota, which a writer past it is to blame for (a full replica is nobody's fault). */
export function isWritersOwn(over: QuotaLimit): over is 'keys' | 'bytes' {
  return over === 'keys' || over === 'bytes';
}

/** The limit a peer's refusal names (a peer from before the bounds on all writers names 'keys' or 'bytes'). */
export function quotaLimitNamed(value: unknown): QuotaLimit {
  return value === 'bytes' || value === 'stored-keys' || value === 'stored-bytes' ? value : 'keys';
}

/** A record's size for the quota: its key and its value's msgpack encoding (a deletion: the key). */
export function recordSize(key: Uint8Array, value: Packet | null | undefined): number {
  return key.length + (value === null || value === undefined ? 0 : encode(value).length);
}
