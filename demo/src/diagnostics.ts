/**
 * The status line of a view in plain words, from the socket's health (its state, the signaling
 * server going up and down, the peers it could not reach, and those whose clocks are far from
 * ours) instead of a bare peer count: what is going on, and what to do about it.
 */
import { ClockSkewError, type MeshSocket, type PeerUnreachableError } from 'web2p';
import { describeError, el, short } from './dom.js';

/** Reasons a peer could not be reached, in a user's words (the error's own message has the details). */
const REASON_WORDS: Record<PeerUnreachableError['reason'], string> = {
  'ice-failed': 'no network path worked (behind NATs that need a TURN relay)',
  'dtls-failed': 'the encrypted handshake kept failing (a busy Node peer, or a peer that is not who it said)',
  'turn-auth-failed': 'the TURN server refused our credentials (check the TURN secret)',
  timeout: 'it did not answer in time (gone, frozen, or behind a NAT: configure STUN/TURN)',
  'no-candidates': 'no network addresses were exchanged (configure STUN/TURN)',
};

/**
 * Joins `room` and returns a line that keeps saying, from the socket's events, where the socket
 * stands: connecting, alone in the room (and why, when peers could not be reached), connected to
 * how many peers, or the signaling server lost. `data-state` carries `sock.state` for tests.
 */
export function healthLine(sock: MeshSocket<any>, room: string, join: Promise<void>): HTMLElement {
  const line = el('p', { className: 'room-status' });
  const text = el('span');
  const advice = el('span', { className: 'advice' });
  line.append(text, advice);
  /** Peers that could not be reached, by id, with why; forgotten when they connect. */
  const unreachable = new Map<string, PeerUnreachableError>();
  /** Linked peers whose clocks are far from this tab's (messages between the two get lost), by id. */
  const skewed = new Map<string, ClockSkewError>();
  let joinError: string | undefined;
  let signalingDown: string | undefined;
  // A persisted dict reads its node id (its key pair) from IndexedDB first: known once `ready`.
  let id = '…';

  const show = (): void => {
    const peers = sock.routingTable.size;
    const where = `room "${room}" · this tab is node ${id}`;
    let status: string;
    switch (sock.state) {
      case 'connecting':
        status = joinError
          ? `could not join: ${joinError}`
          : signalingDown
            ? `the signaling server is unreachable (${signalingDown}); retrying…`
            : 'joining…';
        break;
      case 'joined-alone':
        status = unreachable.size > 0 ? `joined, but no peer could be reached` : 'joined · waiting for others: open this page in another tab';
        break;
      case 'connected':
        status = `connected to ${peers} peer${peers === 1 ? '' : 's'}${signalingDown ? ' · signaling server lost, peers still linked' : ''}`;
        break;
      case 'closed':
        status = 'closed';
        break;
    }
    text.textContent = `${where} · ${status}`;
    const reasons = [...unreachable.values()].map((error) => `${short(error.peerId)}: ${REASON_WORDS[error.reason]}`);
    const clocks = [...skewed.values()].map((error) => `${short(error.peerId)}'s clock is ${Math.abs(error.aheadSeconds)} s ${error.aheadSeconds > 0 ? 'ahead of' : 'behind'} this tab's`);
    advice.textContent =
      (reasons.length > 0 ? ` · unreachable ${reasons.join('; ')}` : '') +
      (clocks.length > 0 ? ` · ${clocks.join('; ')}: messages between them get lost, set the wrong system clock right` : '');
    advice.title = [...unreachable.values(), ...skewed.values()].map((error) => error.message).join('\n');
    line.dataset.state = sock.state;
    line.dataset.peers = String(peers);
    line.dataset.unreachable = [...new Set([...unreachable.values()].map((error) => error.reason))].join(' ');
    line.dataset.clockSkew = [...skewed.values()].map((error) => error.aheadSeconds).join(' ');
  };

  sock.on('state', show);
  sock.on('peer', (id: string) => (unreachable.delete(id), show()));
  sock.on('disconnect', (id: string) => (skewed.delete(id), show()));
  sock.on('error', (error: Error) => error instanceof ClockSkewError && (skewed.set(error.peerId, error), show()));
  sock.on('unreachable', (error: PeerUnreachableError) => (unreachable.set(error.peerId, error), show()));
  sock.on('signaling-up', () => ((signalingDown = undefined), show()));
  sock.on('signaling-down', (_url: string, reason: Error) => ((signalingDown = reason.message), show()));
  join.catch((error: unknown) => ((joinError = describeError(error)), show()));
  const known = (): void => ((id = short(sock.id)), show()); // known also when a store failed (ready rejects then)
  sock.ready.then(known, known);
  show();
  return line;
}
