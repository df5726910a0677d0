/**
 * The members service's messages (web2p only, PROTOCOL.md §14.8), as encode/decode pairs with no I/O.
 * The sub-flag is a string, outside py2p's integer range, so py2p/js2p peers relay the broadcasts
 * like any other and ignore them.
 *
 *   heartbeat   broadcast ['web2p:member', 'beat', meta version (int), interval ms (int)]
 *   meta        broadcast ['web2p:member', 'meta', meta version (int), {meta}]   on setMeta()
 *   leave       broadcast ['web2p:member', 'leave']                              on close()
 *   meta ask    routed 'member-meta?' []                  answered by routed 'member-meta' [version, {meta}]
 */
import { FrameError } from '../errors.js';
import type { Packet } from '../wire/packet.js';

export const MEMBER_SUBFLAG = 'web2p:member';
/** Routed-send kinds (routed-send.ts) of the metadata question and its answer. */
export const META_ASK_KIND = 'member-meta?';
export const META_KIND = 'member-meta';

/** Metadata a node publishes about itself with `setMeta()`: a small msgpack map. */
export type MemberMeta = { readonly [key: string]: Packet };

export type MemberMessage =
  | { kind: 'beat'; version: number; intervalMs: number }
  | { kind: 'meta'; version: number; meta: MemberMeta }
  | { kind: 'leave' };

/** `intervalMs`: when the next heartbeat is due, so receivers know how long silence means gone. */
export function encodeBeat(version: number, intervalMs: number): Packet[] {
  return [MEMBER_SUBFLAG, 'beat', version, intervalMs];
}

export function encodeMetaBroadcast(version: number, meta: MemberMeta): Packet[] {
  return [MEMBER_SUBFLAG, 'meta', ...encodeMeta(version, meta)];
}

export function encodeLeave(): Packet[] {
  return [MEMBER_SUBFLAG, 'leave'];
}

/** `[version, {meta}]`: the body of a meta broadcast and of a routed meta answer. */
export function encodeMeta(version: number, meta: MemberMeta): Packet[] {
  return [version, { ...meta }];
}

export function decodeMeta(body: readonly Packet[]): { version: number; meta: MemberMeta } {
  const [version, meta] = body;
  if (!isVersion(version) || meta === null || typeof meta !== 'object' || Array.isArray(meta) || meta instanceof Uint8Array) {
    throw new FrameError('bad member meta: expected [version (int >= 0), {meta}]');
  }
  return { version, meta: meta as MemberMeta };
}

export function decodeMemberMessage(payload: readonly Packet[]): MemberMessage {
  const kind = payload[1];
  if (kind === 'beat') {
    const [, , version, intervalMs] = payload;
    if (!isVersion(version) || !isVersion(intervalMs)) throw new FrameError('bad member heartbeat: expected [web2p:member, beat, version, interval ms]');
    return { kind, version, intervalMs };
  }
  if (kind === 'meta') return { kind, ...decodeMeta(payload.slice(2)) };
  if (kind === 'leave') return { kind };
  throw new FrameError(`bad member message: unknown kind ${JSON.stringify(String(kind)).slice(0, 40)}`);
}

function isVersion(value: Packet | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
