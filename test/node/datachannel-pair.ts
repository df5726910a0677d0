/**
 * Opens two node-datachannel peer connections in this process, made again when libdatachannel loses
 * its DTLS race (a handshake that fails after ICE connected, transport/webrtc/constants.ts): on a
 * busy CPU, as in CI, that fails a pair now and then, and the transport retries it the same way,
 * up to DTLS_RACE_RETRIES times.
 */
import type { DataChannelLink, PeerConnectionAttempt } from '../../packages/web2p/src/transport/webrtc/index.js';
import { DTLS_RACE_RETRIES } from '../../packages/web2p/src/transport/webrtc/constants.js';

/** `start()` opens both sides, [initiator, answerer], carrying their signals to each other. */
export async function dataChannelPair(start: () => PeerConnectionAttempt[]): Promise<[DataChannelLink, DataChannelLink]> {
  for (let retries = DTLS_RACE_RETRIES; ; retries--) {
    const attempts = start();
    // one side failing gives up the other (a no-op on a side already open, closed below)
    for (const { link } of attempts) link.catch((error: Error) => attempts.forEach((attempt) => attempt.abort(error)));
    const [a, b] = (await Promise.allSettled(attempts.map((attempt) => attempt.link))) as [
      PromiseSettledResult<DataChannelLink>,
      PromiseSettledResult<DataChannelLink>,
    ];
    if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
    for (const side of [a, b]) if (side.status === 'fulfilled') side.value.close();
    const raced = attempts.some((attempt) => attempt.failure === 'dtls-failed');
    if (!raced || retries === 0) throw [a, b].find((side) => side.status === 'rejected')!.reason;
  }
}
