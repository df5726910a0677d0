import type { Connection } from '../mesh/connection.js';
import { flags } from '../wire/flags.js';
import type { Packet } from '../wire/packet.js';

/** Whispers a chord message (sub-flag first, as messages.ts encodes it) to one neighbour. */
export function whisper(conn: Connection, payload: Packet[]): void {
  const [type, ...packets] = payload;
  conn.send(flags.whisper, type!, ...packets);
}
