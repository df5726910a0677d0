/**
 * A WebRTC link's DTLS certificate fingerprints, read from the SDPs (RFC 8122 `a=fingerprint:<hash>
 * <hex>`). DTLS checks the peer's certificate against the fingerprint of the SDP it received, so
 * the pair names this connection and no other: the identity proof signs it (issue 15). Read from
 * the SDPs we set (peer-connection.ts), not from `pc.*Description`, which Chromium may not have yet.
 */
import type { LinkFingerprints } from '../types.js';

const FINGERPRINT_LINE = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m;

/** `sha-256 AB:CD:…` from an SDP (the first fingerprint line), or undefined when it has none. */
export function sdpFingerprint(sdp: string | undefined): string | undefined {
  const match = sdp === undefined ? null : FINGERPRINT_LINE.exec(sdp);
  return match ? `${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}` : undefined;
}

/** Both sides' fingerprints, or undefined unless both SDPs carry one. */
export function linkFingerprints(localSdp: string | undefined, remoteSdp: string | undefined): LinkFingerprints | undefined {
  const local = sdpFingerprint(localSdp);
  const remote = sdpFingerprint(remoteSdp);
  return local && remote ? { local, remote } : undefined;
}
