/**
 * An offer made while a signaling room's join is still in flight (issue 20): the join round trip
 * (challenge, signed join, member list) and the offer's own setup (peer connection, data channel,
 * `createOffer`, `setLocalDescription`, ICE gathering) then overlap instead of following each other.
 * The signaling protocol lets a client signal only after its join and only to a member it was
 * introduced to, so nothing leaves before the member list names the peer: the offer and the ICE
 * candidates wait here, and go out in order once `bind` names the member. Made only when the app
 * gave the ICE servers itself: the server's (STUN/TURN with fresh credentials) arrive with the join,
 * after the offer would already be gathering.
 */
import { ConnectionClosedError } from '../../errors.js';
import { openPeerConnection, type PeerConnectionAttempt, type PeerConnectionOptions, type Signal } from './peer-connection.js';

export interface EarlyOffer {
  /** The offering attempt, whose signals wait for `bind`. */
  readonly attempt: PeerConnectionAttempt;
  /** Names the member the offer is for: its waiting signals go out through `send`, and so do later ones. */
  bind(peerId: string, remoteAddress: string, send: (signal: Signal) => void): PeerConnectionAttempt;
}

/** Starts an offer for a member not known yet (`options.sendSignal` is ignored: `bind` gives it). */
export function startEarlyOffer(options: Omit<PeerConnectionOptions, 'sendSignal' | 'initiator'>): EarlyOffer {
  const waiting: Signal[] = [];
  let send: ((signal: Signal) => void) | undefined;
  // The link reads the peer's id and address when the channel opens, which needs the answer: after bind.
  const connection: PeerConnectionOptions = { ...options, initiator: true, sendSignal: (signal) => (send ? send(signal) : waiting.push(signal)) };
  const attempt = openPeerConnection(connection);
  // An offer given up unbound (no member to offer to, the transport closed) has nobody to tell.
  attempt.link.catch(() => undefined);
  return {
    attempt,
    bind(peerId, remoteAddress, sendSignal) {
      connection.peerId = peerId;
      connection.remoteAddress = remoteAddress;
      send = sendSignal;
      try {
        for (const signal of waiting.splice(0)) sendSignal(signal);
      } catch (error) {
        attempt.abort(new ConnectionClosedError('could not pass a WebRTC signal to the other side', { cause: error }));
      }
      return attempt;
    },
  };
}
