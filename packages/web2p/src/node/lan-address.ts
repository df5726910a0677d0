import { networkInterfaces } from 'node:os';
import { LAN_FALLBACK_HOST } from './constants.js';

/** Bind addresses that mean "every interface": what we advertise then is our LAN address. */
const ANY_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * The host to advertise for a listener bound to `host` (PROTOCOL.md §5): itself, unless it is a
 * wildcard, in which case the first non-internal IPv4 address (py2p asks the routing table,
 * js2p the `ip` package; both fall back to loopback).
 */
export function advertisedHost(host: string): string {
  if (!ANY_HOSTS.has(host)) return host;
  for (const addresses of Object.values(networkInterfaces())) {
    const lan = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (lan) return lan.address;
  }
  return LAN_FALLBACK_HOST;
}
