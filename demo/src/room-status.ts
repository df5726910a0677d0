import type { MeshSocket } from 'web2p';
import { healthLine } from './diagnostics.js';
import { roomUrl } from './signaling.js';

/**
 * Joins `room` and returns a line that says how it went and where the socket stands, kept current
 * from the socket's events (diagnostics.ts). Every view has one, so each says which room it lives
 * in and which node this tab is there (each socket is a node of its own, with its own id).
 */
export function joinRoom(sock: MeshSocket<any>, room: string): HTMLElement {
  return healthLine(sock, room, sock.connect(roomUrl(room)));
}
