/**
 * The server's side of the wire protocol. The message types and their encode/validate functions
 * are the library's `web2p/signaling` module, which the client uses too; here a refused frame
 * becomes the ProtocolError the session answers with, and the room comes from the upgrade URL.
 */
import { MAX_ROOM_LENGTH, ROOM_PATTERN, parseClientMessage as validateClientMessage, type ClientMessage } from 'web2p/signaling';
import { ProtocolError } from './errors.js';

export {
  ERROR_CODES,
  INVALID_MESSAGE_CODES,
  encodeServerMessage,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
} from 'web2p/signaling';

/** Parses and validates one text frame from a client; throws ProtocolError saying what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  const parsed = validateClientMessage(text);
  if ('problem' in parsed) throw new ProtocolError(parsed.code, parsed.problem);
  return parsed;
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
