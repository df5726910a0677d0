import type { PeerConnection } from './datachannel-link.js';
import type { StatsEntry } from './rtc-types.js';

/** How a link's packets travel: directly (host), through a NAT mapping (srflx, prflx) or a TURN relay. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

const CANDIDATE_TYPES: ReadonlySet<string> = new Set<CandidateType>(['host', 'srflx', 'prflx', 'relay']);

/** Both ends of the candidate pair ICE selected: ours, and the peer's as we send to it. */
export interface CandidateTypes {
  local: CandidateType;
  remote: CandidateType;
}

/** The candidate pair ICE selected: how it travels, and its round-trip time as ICE measured it. */
export interface SelectedPair {
  types: CandidateTypes;
  /** The pair's `currentRoundTripTime` (from ICE's own consent checks, no traffic of ours), in ms. */
  rttMs: number | undefined;
}

/**
 * The candidate pair ICE selected, from `getStats()`: the transport's `selectedCandidatePairId`
 * where the engine reports it (Chromium, node-datachannel), else the nominated, succeeded pair
 * (Firefox). Undefined when the engine says neither. A relay may sit on either end: behind
 * symmetric NATs one side often reaches the other's relay from its own mapping (local prflx,
 * remote relay).
 */
export async function selectedPair(pc: PeerConnection): Promise<SelectedPair | undefined> {
  const report = await pc.getStats();
  const stats = [...report.values()];
  const selectedId = stats.find((entry) => entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string')?.selectedCandidatePairId;
  const pair =
    (selectedId === undefined ? undefined : report.get(selectedId as string)) ??
    stats.find((entry) => entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded');
  if (!pair) return undefined;
  const local = typeOf(report.get(pair.localCandidateId as string));
  const remote = typeOf(report.get(pair.remoteCandidateId as string));
  if (!local || !remote) return undefined;
  const rtt = pair.currentRoundTripTime;
  return { types: { local, remote }, rttMs: typeof rtt === 'number' && Number.isFinite(rtt) ? rtt * 1000 : undefined };
}

/** From most to least direct: a link's route is its less direct end. */
const DIRECTNESS: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];

/**
 * One word for how a link travels: `relay` when either end is a TURN relay, else `prflx` or `srflx`
 * (through a NAT mapping) when either end is one, else `host` (directly on a local network).
 */
export function routeOf(types: CandidateTypes): CandidateType {
  return DIRECTNESS[Math.max(DIRECTNESS.indexOf(types.local), DIRECTNESS.indexOf(types.remote))]!;
}

function typeOf(candidate: StatsEntry | undefined): CandidateType | undefined {
  const type = candidate?.candidateType;
  return typeof type === 'string' && CANDIDATE_TYPES.has(type) ? (type as CandidateType) : undefined;
}
