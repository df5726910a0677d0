/**
 * The ICE servers a signaling server hands out (its `ice` message, signaling-server/PROTOCOL.md),
 * checked before an RTCPeerConnection sees them: the server is trusted to configure us, not to make
 * the browser throw or try a thousand relays.
 */
import { MAX_ICE_SERVERS, MAX_ICE_STRING_LENGTH, MAX_ICE_URLS_PER_SERVER } from './constants.js';
import type { IceServer } from './rtc-types.js';

/** The servers in an `ice` message's `iceServers`, or undefined when it is not a well-formed list. */
export function parseIceServers(value: unknown): IceServer[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) return undefined;
  const servers: IceServer[] = [];
  for (const entry of value) {
    const server = parseServer(entry);
    if (!server) return undefined;
    servers.push(server);
  }
  return servers;
}

function parseServer(entry: unknown): IceServer | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const { urls, username, credential } = entry as { [field: string]: unknown };
  const list = typeof urls === 'string' ? [urls] : urls;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ICE_URLS_PER_SERVER) return undefined;
  if (!list.every((url) => isShortString(url) && /^(stuns?|turns?):\S+$/.test(url))) return undefined;
  const server: IceServer = { urls: list as string[] };
  if (username !== undefined || credential !== undefined) {
    if (!isShortString(username) || !isShortString(credential)) return undefined;
    server.username = username;
    server.credential = credential;
  }
  return server;
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ICE_STRING_LENGTH;
}
