import type { MeshSocket } from 'web2p';
import { describeError, el, short } from './dom.js';
import { roomUrl } from './signaling.js';

/**
 * Joins `room` and returns a line that says how it went and how many peers are connected, kept
 * current from the socket's events. Every view has one, so each says which room it lives in and
 * which node this tab is there (each socket is a node of its own, with its own id).
 */
export function joinRoom(sock: MeshSocket<any>, room: string): HTMLElement {
  const line = el('p', { className: 'room-status' });
  let state = 'joining';
  // A persisted dict reads its node id (its key pair) from IndexedDB first: known once `ready`.
  let id = '…';
  const known = (): void => ((id = short(sock.id)), show()); // known also when a store failed (ready rejects then)
  sock.ready.then(known, known);
  const show = (): void => {
    const peers = sock.routingTable.size;
    line.textContent = `room "${room}" · this tab is node ${id} · ${state} · ${peers} peer${peers === 1 ? '' : 's'}`;
    line.dataset.peers = String(peers);
  };
  sock.on('peer', show);
  sock.on('disconnect', show);
  sock.connect(roomUrl(room)).then(
    () => ((state = 'joined'), show()),
    (error: unknown) => ((state = `could not join: ${describeError(error)}`), show()),
  );
  show();
  return line;
}
