/**
 * The ICE servers the signaling server hands its clients: STUN URLs as configured, and TURN URLs with
 * time-limited credentials in coturn's REST API scheme (`use-auth-secret`): the username is
 * `<expiry unix time>:<name>` and the credential base64(HMAC-SHA1(secret, username)), so coturn can
 * check them with the shared secret alone and nobody needs a long-lived TURN password.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from 'web2p/signaling';
import { ICE_REFRESH_FRACTION } from './constants.js';

/** What the operator configured (`--stun`, `--turn`, `--turn-secret`, `--turn-ttl`). */
export interface IceConfig {
  stun: readonly string[];
  turn: { urls: readonly string[]; secret: string; ttlSeconds: number } | undefined;
}

/** The `ice` message's content for one client, and when to send it a fresh one (undefined: never). */
export interface IceGrant {
  iceServers: IceServer[];
  /** Unix time (seconds) the TURN credentials expire; absent without TURN. */
  expires?: number;
  refreshInMs: number | undefined;
}

/** coturn's REST API credential for `name`, valid until `expires` (unix seconds). */
export function turnCredential(secret: string, name: string, expires: number): { username: string; credential: string } {
  const username = `${expires}:${name}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The ICE servers for the client `name` at `nowMs`; undefined when none are configured. */
export function grantIce(config: IceConfig, name: string, nowMs: number): IceGrant | undefined {
  const iceServers: IceServer[] = [];
  if (config.stun.length > 0) iceServers.push({ urls: [...config.stun] });
  if (config.turn === undefined) {
    return iceServers.length === 0 ? undefined : { iceServers, refreshInMs: undefined };
  }
  const { urls, secret, ttlSeconds } = config.turn;
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  iceServers.push({ urls: [...urls], ...turnCredential(secret, name, expires) });
  return { iceServers, expires, refreshInMs: Math.floor(ttlSeconds * 1000 * ICE_REFRESH_FRACTION) };
}
