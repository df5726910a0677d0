/** Shared pieces of the simulated SyncSocket tests. */
import { SyncSocket, type Clock, type Key, type Packet, type SyncSocketOptions } from '../../packages/web2p/src/index.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';

export function syncNodes(net: SimNetwork, count: number, options: Omit<SyncSocketOptions, 'transport'> = {}): SyncSocket[] {
  return Array.from({ length: count }, () => new SyncSocket({ ...options, transport: net.transport() }));
}

/** The network's virtual clock, read `skewMs` off: a node whose wall clock is wrong. */
export function skewedClock(net: SimNetwork, skewMs: number): Clock {
  const clock = net.clock;
  return {
    now: () => clock.now() + skewMs,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
    whilePending: (promise) => clock.whilePending(promise),
  };
}

/** A replica's contents in a comparable form: sorted [key, value as JSON] pairs. */
export function snapshot(sock: SyncSocket): string {
  return snapshotOf(sock.entries());
}

export function snapshotOf(entries: Iterable<[Key, Packet]>): string {
  const pairs = [...entries].map(([key, value]) => [String(key), show(value)]);
  pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return JSON.stringify(pairs);
}

function show(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bin: [...value] };
  if (Array.isArray(value)) return value.map(show);
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, show(v)]));
  }
  return value;
}
