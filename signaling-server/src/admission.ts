/**
 * Who may open a connection at all, decided once per WebSocket upgrade before a session exists: the
 * page's origin, the total connection cap and the per-address cap. A refused client is upgraded and
 * closed at once with a code that says why (a plain HTTP refusal would reach a browser page only as
 * "connection failed", with no reason it could show).
 */
import type { IncomingMessage } from 'node:http';
import { CLOSE_CODES } from './constants.js';
import type { CloseReason } from './metrics.js';
import type { ResolvedOptions } from './options.js';

export type Admitted = { ok: true; release(): void };
export type Refused = { ok: false; code: number; reason: CloseReason; text: string };

export class Admission {
  private total = 0;
  /** Open connections per remote address; an address leaves the map with its last connection. */
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly options: Pick<ResolvedOptions, 'origins' | 'maxConnections' | 'maxConnectionsPerIp'>) {}

  /** Counts the connection in when it may stay; `release()` must be called once when it ends. */
  admit(request: IncomingMessage): Admitted | Refused {
    const origin = request.headers.origin;
    const { origins, maxConnections, maxConnectionsPerIp } = this.options;
    if (origins !== undefined && origin !== undefined && !origins.has(origin)) {
      return { ok: false, code: CLOSE_CODES.originRefused, reason: 'origin', text: 'origin not allowed by this server' };
    }
    if (this.total >= maxConnections) {
      return { ok: false, code: CLOSE_CODES.serverFull, reason: 'server-full', text: `server full (${maxConnections} connections); try again later` };
    }
    const address = request.socket.remoteAddress ?? '';
    const held = this.perAddress.get(address) ?? 0;
    if (held >= maxConnectionsPerIp) {
      return { ok: false, code: CLOSE_CODES.ipLimit, reason: 'ip-limit', text: `more than ${maxConnectionsPerIp} connections from one address` };
    }
    this.total++;
    this.perAddress.set(address, held + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
      },
    };
  }
}
