/**
 * The part of a stream frame (PROTOCOL.md §14.10) that a socket made without streams reads, and the
 * cancel frame it answers an open with (stream-refusal.ts): the kind and id, an open's two ends.
 * stream-messages.ts builds the whole codec on these, so the layout is written once, and a
 * MeshSocket without web2p/streams bundles this instead of the whole codec (issue 20).
 */
import { FrameError } from '../../errors.js';
import { flags } from '../../wire/flags.js';
import type { Packet } from '../../wire/packet.js';
import type { Connection } from '../connection.js';
import { packetText } from '../handshake.js';

export const STREAM_SUBFLAG = 'web2p:stream';

/** Stream and route ids are 16 random bytes in hex; anything much longer is not one of ours. */
const MAX_ID_CHARS = 64;

/** Why a stream ended early, as the cancel frame carries it. */
export type CancelCode = 'abort' | 'cancel' | 'peer-left' | 'refused' | 'collision' | 'window' | 'closed' | 'protocol';

/** A stream frame's kind (not checked against the known ones) and id; FrameError on a bad id. */
export function decodeStreamHead(payload: readonly Packet[]): { kind: unknown; id: string } {
  return { kind: payload[1], id: streamId(payload[2]) };
}

/** The two ends of an open frame, [subflag, 'open', id, from, to, …]; undefined where one is not a node id. */
export function openEnds(payload: readonly Packet[]): { from: string | undefined; to: string | undefined } {
  return { from: packetText(payload[3]), to: packetText(payload[4]) };
}

export function encodeCancelFrame(id: string, code: CancelCode, text: string): Packet[] {
  return [STREAM_SUBFLAG, 'cancel', id, code, text];
}

/** A stream or route id; FrameError when it is not a short string. */
export function streamId(packet: Packet | undefined): string {
  if (typeof packet !== 'string' || packet.length === 0 || packet.length > MAX_ID_CHARS) {
    throw new FrameError(`bad stream frame: the id must be a string of 1..${MAX_ID_CHARS} chars`);
  }
  return packet;
}

/** Whispers an encoded frame to one neighbour. */
export function whisper(conn: Connection, payload: readonly Packet[]): void {
  const [type, ...packets] = payload;
  conn.send(flags.whisper, type!, ...packets);
}
