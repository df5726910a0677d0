import { ConnectionClosedError, TimeoutError, WebRtcHandshakeError, type UnreachableReason } from '../../errors.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { CHANNEL_LABEL, CONNECT_TIMEOUT_MS } from './constants.js';
import { DataChannelLink, type DataChannelLinkLimits } from './datachannel-link.js';
import type { DataChannel, PeerConnection, RtcConfiguration } from './rtc-types.js';
import { linkFingerprints } from './sdp-fingerprint.js';

/** An ICE candidate as plain data: it travels as JSON through the signaling server and as msgpack. */
export interface CandidateInit {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

/**
 * What one side must pass to the other to open a connection; plain data, never a platform object.
 * `failed` tells the other side that this attempt failed here and why, so it need not wait out its
 * own timeout before trying again.
 */
export type Signal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: CandidateInit }
  | { type: 'failed'; reason: UnreachableReason };

/** TURN's "Unauthorized", as an `icecandidateerror` reports it: the credentials were refused. */
const TURN_UNAUTHORIZED = 401;

/** The browser's global, or `RTCPeerConnection` from `node-datachannel/polyfill`. */
export type RTCPeerConnectionConstructor = new (configuration: RtcConfiguration) => PeerConnection;

export interface PeerConnectionOptions {
  RTCPeerConnection: RTCPeerConnectionConstructor;
  /** ICE servers, `iceTransportPolicy` and the rest, passed to the RTCPeerConnection as they are. */
  configuration: RtcConfiguration;
  /** The initiator makes the offer and the data channel; exactly one side of a pair must be it. */
  initiator: boolean;
  /** Delivers a signal to the other side, by any route, in any order. */
  sendSignal(signal: Signal): void;
  clock?: Clock;
  /** Default CONNECT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Passed on to the link, for logs; read when the channel opens (an early offer learns it late). */
  remoteAddress?: string;
  /** The node id of the other side (Link.peerId); read when the channel opens, as remoteAddress. */
  peerId?: string;
  limits?: Partial<DataChannelLinkLimits>;
}

export interface PeerConnectionAttempt {
  /** Feeds a signal from the other side. Candidates may come before the description they belong to. */
  signal(data: Signal): void;
  /**
   * Resolves when the data channel opens. Rejects with TimeoutError after `timeoutMs`, or with
   * ConnectionClosedError when the connection fails first; either way everything is closed.
   */
  readonly link: Promise<DataChannelLink>;
  /**
   * Gives the attempt up before its channel opens (the other side's offer won a glare, the
   * transport is closing): rejects `link` with `reason` and closes the connection. No-op once open.
   */
  abort(reason: Error): void;
  /** Why the attempt failed, once `link` has rejected (undefined after an abort). */
  readonly failure: UnreachableReason | undefined;
  /** Whether the other side's description arrived: a peer that never answered is not worth an instant retry. */
  readonly answered: boolean;
}

/** Starts one WebRTC connection with trickle ICE; the caller carries the signals both ways. */
export function openPeerConnection(options: PeerConnectionOptions): PeerConnectionAttempt {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const pc = new options.RTCPeerConnection(options.configuration);
  /** Removes the listeners that only matter until the channel opens. */
  const connecting = new AbortController();
  let state: 'connecting' | 'open' | 'failed' = 'connecting';
  let channel: DataChannel | undefined;
  let remoteDescriptionSet = false;
  /**
   * The SDPs of the two descriptions, as we set them: the link's DTLS fingerprints come from these
   * (see DataChannelLinkOptions.fingerprints for why not from `pc.*Description` when it opens).
   */
  let localSdp: string | undefined;
  let remoteSdp: string | undefined;
  /** Candidates that came before the remote description; ICE cannot take them until it is set. */
  const earlyCandidates: CandidateInit[] = [];
  /** Signals are applied one at a time, in arrival order: each step awaits the previous one. */
  let steps: Promise<void> = Promise.resolve();
  /** What the diagnosis of a failure looks at. */
  let localCandidates = 0;
  let remoteCandidates = 0;
  let turnRefused = false;
  let failure: UnreachableReason | undefined;

  let resolveLink!: (link: DataChannelLink) => void;
  let rejectLink!: (error: Error) => void;
  const link = new Promise<DataChannelLink>((resolve, reject) => {
    resolveLink = resolve;
    rejectLink = reject;
  });

  const timer = clock.setTimeout(
    () =>
      fail(
        new TimeoutError(
          `the WebRTC connection did not open within ${timeoutMs} ms; check that signals reach the other ` +
            'side, and configure a STUN/TURN server when the peers are behind NAT',
        ),
        diagnose(remoteDescriptionSet ? 'timeout' : 'unanswered'),
      ),
    timeoutMs,
  );

  /**
   * Why this side failed. A handshake that failed after ICE found a path is that, whatever else went
   * wrong; a refused TURN credential explains any other failure; otherwise a timeout with no
   * candidate on one side is that, and an offer never answered stays a plain timeout.
   */
  function diagnose(how: 'ice-failed' | 'dtls-failed' | 'timeout' | 'unanswered'): UnreachableReason {
    if (how === 'dtls-failed') return how;
    if (turnRefused) return 'turn-auth-failed';
    if (how === 'ice-failed') return how;
    if (how === 'timeout' && (localCandidates === 0 || remoteCandidates === 0)) return 'no-candidates';
    return 'timeout';
  }

  /**
   * Gives up the attempt; a failure after the channel opened is the link's business, not ours. With
   * a `reason` (a failure found here, not an abort or the peer's own report), the peer is told.
   */
  function fail(error: Error, reason?: UnreachableReason): void {
    if (state !== 'connecting') return;
    state = 'failed';
    if (reason !== undefined) {
      failure = reason;
      try {
        options.sendSignal({ type: 'failed', reason });
      } catch {
        // No route to the peer: it times out on its own.
      }
    }
    clock.clearTimeout(timer);
    connecting.abort();
    channel?.close();
    pc.close();
    rejectLink(error);
  }

  function opened(open: DataChannel): void {
    if (state !== 'connecting') return;
    state = 'open';
    clock.clearTimeout(timer);
    connecting.abort();
    const { limits, initiator, remoteAddress, peerId } = options;
    const fingerprints = linkFingerprints(localSdp, remoteSdp);
    resolveLink(new DataChannelLink(open, pc, { ...limits, outgoing: initiator, remoteAddress, peerId, fingerprints, clock }));
  }

  function send(signal: Signal): void {
    if (state === 'failed') return;
    try {
      options.sendSignal(signal);
    } catch (error) {
      fail(new ConnectionClosedError('could not pass a WebRTC signal to the other side', { cause: error }));
    }
  }

  function step(work: () => Promise<void>): void {
    steps = steps.then(work).catch((error: unknown) =>
      fail(new WebRtcHandshakeError(`WebRTC negotiation failed: ${String(error)}`, { cause: error }), diagnose('ice-failed')),
    );
  }

  function useChannel(candidate: DataChannel): void {
    if (channel || candidate.label !== CHANNEL_LABEL) return;
    channel = candidate;
    // The answerer's channel is already open when announced (and node-datachannel fires no 'open').
    if (candidate.readyState === 'open') {
      opened(candidate);
      return;
    }
    const signal = connecting.signal;
    candidate.addEventListener('open', () => opened(candidate), { signal });
    candidate.addEventListener(
      'close',
      () => fail(new ConnectionClosedError('the WebRTC data channel closed before it opened')),
      { signal },
    );
  }

  async function addCandidate(candidate: CandidateInit): Promise<void> {
    // A candidate this side cannot use (an unresolvable mDNS name, a protocol it lacks) only loses
    // that path: ICE succeeds or fails on the others, and the timeout covers the rest.
    await pc.addIceCandidate(candidate).catch(() => undefined);
  }

  async function apply(data: Signal): Promise<void> {
    if (data.type === 'failed') {
      failure = data.reason;
      fail(new WebRtcHandshakeError(`the peer gave this WebRTC connection up (${data.reason})`));
      return;
    }
    if (data.type === 'candidate') {
      remoteCandidates += 1;
      if (remoteDescriptionSet) {
        await addCandidate(data.candidate);
      } else {
        earlyCandidates.push(data.candidate);
      }
      return;
    }
    // Noted before the await, whose continuation may run after the channel opened; once open, the link has its fingerprints.
    if (state === 'connecting') remoteSdp = data.sdp;
    await pc.setRemoteDescription({ type: data.type, sdp: data.sdp });
    remoteDescriptionSet = true;
    if (data.type === 'offer') {
      // node-datachannel's descriptions are read-only objects: set and send plain copies.
      const answer = await pc.createAnswer();
      const plain = { type: 'answer' as const, sdp: answer.sdp ?? '' };
      localSdp = plain.sdp;
      await pc.setLocalDescription(plain);
      send(plain);
    }
    for (const candidate of earlyCandidates.splice(0)) await addCandidate(candidate);
  }

  pc.addEventListener('icecandidate', (event) => {
    const found = event.candidate;
    // A null candidate or an empty string marks the end of gathering: nothing to pass on.
    if (!found?.candidate) return;
    localCandidates += 1;
    send({
      type: 'candidate',
      candidate: { candidate: found.candidate, sdpMid: found.sdpMid, sdpMLineIndex: found.sdpMLineIndex },
    });
  });
  /**
   * Which layer gave up, when the connection failed before its channel opened. Our own close()
   * removes this listener first, so 'closed' here is the engine's: libdatachannel closes a connection
   * whose DTLS (or SCTP) handshake failed, ICE with it, where a browser says 'failed' with ICE still
   * connected. ICE that found no path says 'failed' on both.
   */
  function failedLayer(): 'ice-failed' | 'dtls-failed' {
    if (pc.connectionState === 'closed') return 'dtls-failed';
    return pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed' ? 'dtls-failed' : 'ice-failed';
  }

  pc.addEventListener(
    'connectionstatechange',
    () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        const layer = failedLayer();
        const what = layer === 'dtls-failed' ? 'its DTLS handshake failed' : 'ICE found no working path';
        fail(new WebRtcHandshakeError(`the WebRTC connection ${pc.connectionState} before its data channel opened (${what})`), diagnose(layer));
      }
    },
    { signal: connecting.signal },
  );
  // Browsers report a TURN server's 401 here within milliseconds, long before ICE gives up.
  pc.addEventListener(
    'icecandidateerror',
    (event) => {
      if ((event as { errorCode?: number }).errorCode === TURN_UNAUTHORIZED) turnRefused = true;
    },
    { signal: connecting.signal },
  );

  if (options.initiator) {
    useChannel(pc.createDataChannel(CHANNEL_LABEL, { ordered: true }));
    step(async () => {
      const offer = await pc.createOffer();
      const plain = { type: 'offer' as const, sdp: offer.sdp ?? '' };
      localSdp = plain.sdp;
      await pc.setLocalDescription(plain);
      send(plain);
    });
  } else {
    pc.addEventListener('datachannel', (event) => useChannel(event.channel), { signal: connecting.signal });
  }

  return {
    signal: (data) => {
      if (state !== 'failed') step(() => apply(data));
    },
    link,
    abort: (reason) => fail(reason),
    get failure() {
      return failure;
    },
    get answered() {
      return remoteDescriptionSet;
    },
  };
}
