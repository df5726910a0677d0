/**
 * How a WebRTC signal travels between two transports, by the signaling server or the mesh relay:
 * `{ session, signal }`. The session id names one peer-connection attempt, chosen by its offerer,
 * so that late candidates of an attempt that was given up (a lost glare, a timed-out try) are told
 * apart from those of the attempt that replaced it.
 */
import type { UnreachableReason } from '../../errors.js';
import type { SignalData } from '../types.js';
import type { Signal } from './peer-connection.js';

const UNREACHABLE_REASONS: ReadonlySet<string> = new Set<UnreachableReason>(['ice-failed', 'dtls-failed', 'turn-auth-failed', 'timeout', 'no-candidates']);

export interface SignalEnvelope {
  session: string;
  signal: Signal;
}

export function wrapSignal(session: string, signal: Signal): SignalData {
  return { session, signal };
}

/** The envelope in `data`, or undefined when it is not one (peers are not trusted to send one). */
export function parseEnvelope(data: unknown): SignalEnvelope | undefined {
  if (!isObject(data) || typeof data.session !== 'string' || !isObject(data.signal)) return undefined;
  const signal = data.signal;
  if ((signal.type === 'offer' || signal.type === 'answer') && typeof signal.sdp === 'string') {
    return { session: data.session, signal: { type: signal.type, sdp: signal.sdp } };
  }
  if (signal.type === 'failed' && typeof signal.reason === 'string' && UNREACHABLE_REASONS.has(signal.reason)) {
    return { session: data.session, signal: { type: 'failed', reason: signal.reason as UnreachableReason } };
  }
  const candidate = signal.candidate;
  if (signal.type === 'candidate' && isObject(candidate) && typeof candidate.candidate === 'string') {
    const sdpMid = typeof candidate.sdpMid === 'string' ? candidate.sdpMid : null;
    const sdpMLineIndex = typeof candidate.sdpMLineIndex === 'number' ? candidate.sdpMLineIndex : null;
    return { session: data.session, signal: { type: 'candidate', candidate: { candidate: candidate.candidate, sdpMid, sdpMLineIndex } } };
  }
  return undefined;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}
