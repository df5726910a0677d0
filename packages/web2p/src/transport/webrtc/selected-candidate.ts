import type { PeerConnection } from './datachannel-link.js';

/** How a link's packets travel: directly (host), through a NAT mapping (srflx, prflx) or a TURN relay. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

const CANDIDATE_TYPES: ReadonlySet<string> = new Set<CandidateType>(['host', 'srflx', 'prflx', 'relay']);

/**
 * The type of our side of the candidate pair ICE selected, from `getStats()`: the transport's
 * `selectedCandidatePairId` where the engine reports it (Chromium, node-datachannel), else the
 * nominated, succeeded pair (Firefox). Undefined when the engine says neither.
 */
export async function selectedCandidateType(pc: PeerConnection): Promise<CandidateType | undefined> {
  const report = await pc.getStats();
  const stats = [...report.values()] as { [field: string]: unknown }[];
  const selectedId = stats.find((entry) => entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string')?.selectedCandidatePairId;
  const pair =
    (selectedId === undefined ? undefined : report.get(selectedId as string)) ??
    stats.find((entry) => entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded');
  const local = pair && report.get(pair.localCandidateId as string);
  const type = local?.candidateType;
  return typeof type === 'string' && CANDIDATE_TYPES.has(type) ? (type as CandidateType) : undefined;
}
