/**
 * The stream frames and route probes (PROTOCOL.md §14.10) as encode/decode pairs with no I/O. Both are
 * web2p-only: their sub-flags are strings, which py2p and js2p ignore. Decoders throw FrameError for
 * malformed input; the mesh then drops the neighbour that sent it.
 *
 *   open     whisper ['web2p:stream', 'open', id, from, to, label, size (-1: unknown)]   sender → receiver
 *   accept   whisper ['web2p:stream', 'accept', id, window]                              receiver → sender
 *   data     whisper ['web2p:stream', 'data', id, bytes]                                 sender → receiver
 *   ack      whisper ['web2p:stream', 'ack', id, consumed]                               receiver → sender
 *   end      whisper ['web2p:stream', 'end', id, total]                                  sender → receiver
 *   cancel   whisper ['web2p:stream', 'cancel', id, code, text]                          either way
 *   find     broadcast ['web2p:stream-route', 'find', route id, to]                            (from: the broadcast's sender)
 *   found    whisper ['web2p:stream-route', 'found', route id]                                  back along the probe's path
 */
import { FrameError } from '../../errors.js';
import type { Packet } from '../../wire/packet.js';
import { packetText } from '../handshake.js';
import { MAX_STREAM_LABEL_CHARS } from './constants.js';
import { decodeStreamHead, encodeCancelFrame, openEnds, STREAM_SUBFLAG, streamId, type CancelCode } from './stream-frame-head.js';

export { STREAM_SUBFLAG, whisper, type CancelCode } from './stream-frame-head.js';
export const ROUTE_SUBFLAG = 'web2p:stream-route';

const CANCEL_CODES: ReadonlySet<string> = new Set<CancelCode>(['abort', 'cancel', 'peer-left', 'refused', 'collision', 'window', 'closed', 'protocol']);

export type StreamFrame =
  | { kind: 'open'; id: string; from: string; to: string; label: string; size: number | undefined }
  | { kind: 'accept'; id: string; window: number }
  | { kind: 'data'; id: string; bytes: Uint8Array }
  | { kind: 'ack'; id: string; consumed: number }
  | { kind: 'end'; id: string; total: number }
  | { kind: 'cancel'; id: string; code: CancelCode; text: string };

export function encodeStreamFrame(frame: StreamFrame): Packet[] {
  const head: Packet[] = [STREAM_SUBFLAG, frame.kind, frame.id];
  switch (frame.kind) {
    case 'open':
      return [...head, frame.from, frame.to, frame.label, frame.size ?? -1];
    case 'accept':
      return [...head, frame.window];
    case 'data':
      return [...head, frame.bytes];
    case 'ack':
      return [...head, frame.consumed];
    case 'end':
      return [...head, frame.total];
    case 'cancel':
      return encodeCancelFrame(frame.id, frame.code, frame.text);
  }
}

export function decodeStreamFrame(payload: readonly Packet[]): StreamFrame {
  const { kind, id } = decodeStreamHead(payload);
  switch (kind) {
    case 'open': {
      const { from, to } = openEnds(payload);
      const label = payload[5];
      const size = payload[6];
      if (from === undefined || to === undefined || typeof label !== 'string' || label.length > MAX_STREAM_LABEL_CHARS) {
        throw new FrameError(`bad stream open: expected [open, id, from, to, label (≤ ${MAX_STREAM_LABEL_CHARS} chars), size]`);
      }
      if (size !== -1 && !isCount(size)) throw new FrameError('bad stream open: the size must be -1 or a byte count');
      return { kind, id, from, to, label, size: size === -1 ? undefined : (size as number) };
    }
    case 'accept':
      return { kind, id, window: count(payload[3], 'accept window') };
    case 'data': {
      const bytes = payload[3];
      if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new FrameError('bad stream data: expected non-empty bin');
      return { kind, id, bytes };
    }
    case 'ack':
      return { kind, id, consumed: count(payload[3], 'ack') };
    case 'end':
      return { kind, id, total: count(payload[3], 'end total') };
    case 'cancel': {
      const code = payload[3];
      const text = payload[4];
      if (typeof code !== 'string' || !CANCEL_CODES.has(code) || typeof text !== 'string' || text.length > MAX_STREAM_LABEL_CHARS) {
        throw new FrameError('bad stream cancel: expected [cancel, id, known code, short text]');
      }
      return { kind, id, code: code as CancelCode, text };
    }
    default:
      throw new FrameError(`bad stream frame: unknown kind ${JSON.stringify(String(kind)).slice(0, 40)}`);
  }
}

export type RouteFrame = { kind: 'find'; id: string; to: string } | { kind: 'found'; id: string };

export function encodeRouteFrame(frame: RouteFrame): Packet[] {
  return frame.kind === 'find' ? [ROUTE_SUBFLAG, 'find', frame.id, frame.to] : [ROUTE_SUBFLAG, 'found', frame.id];
}

export function decodeRouteFrame(payload: readonly Packet[]): RouteFrame {
  const id = streamId(payload[2]);
  if (payload[1] === 'found') return { kind: 'found', id };
  const to = packetText(payload[3]);
  if (payload[1] !== 'find' || to === undefined) throw new FrameError('bad route frame: expected [find, id, to] or [found, id]');
  return { kind: 'find', id, to };
}

function isCount(packet: Packet | undefined): packet is number {
  return typeof packet === 'number' && Number.isSafeInteger(packet) && packet >= 0;
}

function count(packet: Packet | undefined, what: string): number {
  if (!isCount(packet)) throw new FrameError(`bad stream ${what}: expected a byte count`);
  return packet;
}
