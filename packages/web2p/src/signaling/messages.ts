/**
 * The signaling server's wire protocol (signaling-server/PROTOCOL.md) as types and pure
 * encode/validate functions, one module for both ends: the server validates what clients send and
 * encodes what it sends; the client (transport/webrtc/signaling-client.ts) does the reverse. JSON
 * text frames. Validation is hand-written so that each rejection says which field was wrong.
 */
import type { IceServer } from '../transport/webrtc/rtc-types.js';
import { ID_PATTERN, MAX_ID_LENGTH, QUOTE_LIMIT } from './constants.js';
import { isJoinProof, isNonce, type JoinProof } from './join-proof.js';

export type { IceServer } from '../transport/webrtc/rtc-types.js';

/** What a client may send. Unknown extra fields are ignored, so clients can grow without breaking. */
export type ClientMessage =
  /** `proof`: that the client owns `id`, over this connection's challenge (join-proof.ts). */
  | { type: 'join'; id: string; proof?: JoinProof }
  | { type: 'signal'; to: string; data: unknown }
  | { type: 'ping' };

/** What the server sends. */
export type ServerMessage =
  /** First on every connection: the nonce a join proof signs. */
  | { type: 'challenge'; nonce: string }
  | { type: 'peers'; ids: string[] }
  | { type: 'joined'; id: string }
  | { type: 'left'; id: string }
  | { type: 'signal'; from: string; data: unknown }
  | { type: 'pong' }
  /** STUN/TURN servers for this client; `expires`: unix seconds its TURN credentials run out. */
  | { type: 'ice'; iceServers: IceServer[]; expires?: number }
  | { type: 'error'; code: ErrorCode; message: string; id?: string };

/**
 * A server message as parseServerMessage gives it: an `ice` list is passed on unchecked, for the
 * client to check (transport/webrtc/ice-servers.ts) and to report when it is unusable.
 */
export type ReceivedServerMessage =
  | Exclude<ServerMessage, { type: 'ice' }>
  | { type: 'ice'; iceServers: unknown };

/** Every `code` an `error` frame can carry. */
export const ERROR_CODES = [
  'bad-json',
  'bad-message',
  'unknown-type',
  'not-joined',
  'already-joined',
  'id-taken',
  'room-full',
  'unknown-peer',
  'unproven',
  'bad-proof',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes that only a broken or hostile client earns (the server counts them toward
 * `maxInvalidMessages`). `id-taken`, `room-full` and `unknown-peer` are left out: an honest client
 * meets them in a race with others.
 */
export const INVALID_MESSAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-json',
  'bad-message',
  'unknown-type',
  'not-joined',
  'already-joined',
  'bad-proof',
]);

/** Why a frame was refused: the error frame's code and message. */
export interface Rejection {
  code: ErrorCode;
  problem: string;
}

/** The text frame for a client message. */
export function encodeClientMessage(message: ClientMessage): string {
  return JSON.stringify(message);
}

/** The text frame for a server message. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

/** Validates one text frame from a client: the message, or why it is refused. */
export function parseClientMessage(text: string): ClientMessage | Rejection {
  const parsed = parseObject(text);
  if (!('fields' in parsed)) return parsed;
  const fields = parsed.fields;
  const type = fields['type'];
  if (typeof type !== 'string') return badMessage("field 'type' must be a string");
  switch (type) {
    case 'join': {
      const proof = fields['proof'];
      if (proof !== undefined && !isJoinProof(proof)) {
        return badMessage("field 'proof' must be { key: 64 hex digits, protocol: a string, signature: 128 hex digits }");
      }
      return withNodeId(fields, 'id', (id) => (proof === undefined ? { type, id } : { type, id, proof: { key: proof.key, protocol: proof.protocol, signature: proof.signature } }));
    }
    case 'signal':
      if (fields['data'] === undefined) return badMessage("field 'data' is required (any JSON value)");
      return withNodeId(fields, 'to', (to) => ({ type, to, data: fields['data'] }));
    case 'ping':
      return { type };
    default:
      return { code: 'unknown-type', problem: `unknown message type ${quote(type)}; expected 'join', 'signal' or 'ping'` };
  }
}

/**
 * Validates one text frame from the server: the message, or undefined when it is none the
 * protocol defines (a client acts on nothing else). Node ids are checked like the server checks
 * ours; a `peers` list keeps only its valid ids.
 */
export function parseServerMessage(text: string): ReceivedServerMessage | undefined {
  const parsed = parseObject(text);
  if (!('fields' in parsed)) return undefined;
  const fields = parsed.fields;
  switch (fields['type']) {
    case 'challenge':
      return isNonce(fields['nonce']) ? { type: 'challenge', nonce: fields['nonce'] } : undefined;
    case 'peers': {
      const ids = fields['ids'];
      return Array.isArray(ids) ? { type: 'peers', ids: ids.filter(isNodeId) } : undefined;
    }
    case 'joined':
    case 'left':
      return isNodeId(fields['id']) ? { type: fields['type'], id: fields['id'] } : undefined;
    case 'signal':
      return isNodeId(fields['from']) ? { type: 'signal', from: fields['from'], data: fields['data'] } : undefined;
    case 'pong':
      return { type: 'pong' };
    case 'ice':
      return { type: 'ice', iceServers: fields['iceServers'] };
    case 'error': {
      const { code, message, id } = fields;
      if (!isErrorCode(code) || typeof message !== 'string') return undefined;
      return isNodeId(id) ? { type: 'error', code, message, id } : { type: 'error', code, message };
    }
    default:
      return undefined;
  }
}

/** A node id as the protocol allows it: 1 to MAX_ID_LENGTH base58 characters. */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

function parseObject(text: string): { fields: Record<string, unknown> } | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { code: 'bad-json', problem: `frame is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return badMessage(`a message must be a JSON object, not ${describe(value)}`);
  }
  return { fields: value as Record<string, unknown> };
}

function withNodeId(fields: Record<string, unknown>, name: string, make: (id: string) => ClientMessage): ClientMessage | Rejection {
  const value = fields[name];
  if (typeof value !== 'string') return badMessage(`field '${name}' must be a string`);
  if (!isNodeId(value)) return badMessage(`field '${name}' must be a node id: 1 to ${MAX_ID_LENGTH} base58 characters, not ${quote(value)}`);
  return make(value);
}

function badMessage(problem: string): Rejection {
  return { code: 'bad-message', problem };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}
