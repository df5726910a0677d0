/**
 * The wire protocol of PROTOCOL.md as types, a validator for what clients send and an encoder for
 * what the server sends. Pure: no I/O. Validation is hand-written so that each rejection can say
 * exactly which field was wrong.
 */
import { ID_PATTERN, MAX_ID_LENGTH, MAX_ROOM_LENGTH, ROOM_PATTERN } from './constants.js';
import { ProtocolError } from './errors.js';
import type { IceServer } from './ice.js';

/** What a client may send. Unknown extra fields are ignored, so clients can grow without breaking. */
export type ClientMessage =
  | { type: 'join'; id: string }
  | { type: 'signal'; to: string; data: unknown }
  | { type: 'ping' };

/** What the server sends. */
export type ServerMessage =
  | { type: 'peers'; ids: string[] }
  | { type: 'joined'; id: string }
  | { type: 'left'; id: string }
  | { type: 'signal'; from: string; data: unknown }
  | { type: 'pong' }
  | { type: 'ice'; iceServers: IceServer[]; expires?: number }
  | { type: 'error'; code: ErrorCode; message: string; id?: string };

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
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes that only a broken or hostile client earns; they count toward `maxInvalidMessages`.
 * `id-taken`, `room-full` and `unknown-peer` are left out: an honest client meets them in a race with others.
 */
export const INVALID_MESSAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-json',
  'bad-message',
  'unknown-type',
  'not-joined',
  'already-joined',
]);

/** How much of a client-supplied string an error message quotes: enough to recognise, never a flood. */
const QUOTE_LIMIT = 40;

/** Parses and validates one text frame from a client; throws ProtocolError saying what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProtocolError('bad-json', `frame is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badMessage(`a message must be a JSON object, not ${describe(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const type = fields['type'];
  if (typeof type !== 'string') throw badMessage("field 'type' must be a string");
  switch (type) {
    case 'join':
      return { type, id: nodeIdField(fields, 'id') };
    case 'signal':
      if (fields['data'] === undefined) throw badMessage("field 'data' is required (any JSON value)");
      return { type, to: nodeIdField(fields, 'to'), data: fields['data'] };
    case 'ping':
      return { type };
    default:
      throw new ProtocolError('unknown-type', `unknown message type ${quote(type)}; expected 'join', 'signal' or 'ping'`);
  }
}

/** The text frame for a server message. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

/**
 * The room a WebSocket URL names: its path is `/<room>`, the query string is ignored. Otherwise the
 * reason to close with, short and ASCII (a close reason is limited to 123 bytes).
 */
export function roomFromUrl(url: string): { room: string } | { problem: string } {
  const room = (url.split('?', 1)[0] ?? '').replace(/^\//, '');
  if (room === '') return { problem: 'missing room name: connect to ws://host:port/<room>' };
  if (room.length > MAX_ROOM_LENGTH || !ROOM_PATTERN.test(room)) {
    return { problem: `invalid room name: use 1 to ${MAX_ROOM_LENGTH} of A-Z a-z 0-9 . _ ~ -` };
  }
  return { room };
}

function nodeIdField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string') throw badMessage(`field '${name}' must be a string`);
  if (value.length > MAX_ID_LENGTH || !ID_PATTERN.test(value)) {
    throw badMessage(`field '${name}' must be a node id: 1 to ${MAX_ID_LENGTH} base58 characters, not ${quote(value)}`);
  }
  return value;
}

function badMessage(message: string): ProtocolError {
  return new ProtocolError('bad-message', message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}
