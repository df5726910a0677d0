/**
 * Clocks that disagree lose messages without a word (issue 20's review): a broadcast dated more than
 * SEEN_WINDOW_SECONDS in the receiver's past is dropped as expired (§4.4, as py2p does), and sync and
 * chord refuse records dated more than a minute in the receiver's future. A node whose clock is off
 * by minutes, common on machines without automatic time, would see its broadcasts vanish or receive
 * none. So each connection compares the time the peer dated its handshake with ours, once, and a
 * gap of CLOCK_SKEW_REPORT_SECONDS or more is reported to the app on both sides. Nothing is refused
 * for it: which clock is wrong cannot be told from one peer, and a peer that lies about its time
 * gains nothing but an error event on its own connection.
 */
import { ClockSkewError } from '../errors.js';
import { CLOCK_SKEW_REPORT_SECONDS, SEEN_WINDOW_SECONDS } from './constants.js';

/** The report for a peer whose clock is `aheadSeconds` ahead of ours (negative: behind), if any. */
export function clockSkewReport(peerId: string, aheadSeconds: number): ClockSkewError | undefined {
  if (Math.abs(aheadSeconds) < CLOCK_SKEW_REPORT_SECONDS) return undefined;
  return new ClockSkewError(peerId, aheadSeconds, SEEN_WINDOW_SECONDS);
}
