/**
 * Which records from peers a sync replica lets in (issue 15, PROTOCOL.md §14.13), checked before a
 * record is merged and, for broadcasts, before the mesh relays it (Service.vet), so a forged record
 * stops at the first honest node:
 *   - its timestamp is at most the clock window ahead of ours (a later record wins a key, so a
 *     far-future one would lock it);
 *   - it is signed by its owner (trust 'strict'; under 'legacy' an unsigned record is merged as py2p
 *     would merge it);
 *   - a signed store is not a second value its owner signed for the key and second of the signed
 *     record held (a web2p owner moves a second write to the next second: merge.ts);
 *   - with leasing on, a record from anyone but the holder of an unexpired lease is refused (§6.3
 *     applied to remote records as well as to local writes; an unsigned one too, as py2p refuses it,
 *     though nothing stops an unsigned peer from naming the holder as its owner);
 *   - its owner stays within its storage quota on this replica, and the replica within its bound on
 *     all owners together (issue 16).
 * Refusals a peer is to blame for (it forged a signature, or wrote the record itself) throw, which
 * drops its link; others (a record an honest neighbour passed on) are reported and go no further. An
 * unsigned record of someone else's is one of those: a 'legacy' node bridging py2p/js2p peers passes
 * their records on, and a 'strict' node dropping it for that would cut the bridge. So is one of
 * someone else's dated past our window: a neighbour whose clock is ahead of ours took it in its own.
 */
import { QuotaExceededError, RecordRefusedError } from '../errors.js';
import type { Connection } from '../mesh/connection.js';
import type { MeshContext } from '../mesh/service.js';
import { isWritersOwn, limitOf, type WriterUsage } from '../replica/quota.js';
import { checkLease } from './lease.js';
import type { PassedOnReports } from '../replica/passed-on-reports.js';
import type { SyncRecord } from './merge.js';

/** A record (or delta) a peer sent, as the rules see it. */
export interface Candidate {
  readonly owner: string;
  readonly ts: number;
  /** Whether its proof verified; undefined when it carries none. */
  readonly verified: boolean | undefined;
  readonly isDelta: boolean;
  /**
   * Its size (key and encoded value) once merged, for the quota. Asked for only once the cheap
   * checks passed: a delta's size is that of the value it merges into, which a peer could
   * otherwise make us encode again with every few bytes it sends. Undefined for a delta that will
   * not merge (older than the record): no quota applies to it.
   */
  size(): number | undefined;
  /** A live write (store or delta broadcast) rather than a record passed on in a sync. */
  readonly live: boolean;
}

/** The key's record on this replica and its size. */
export interface Held {
  readonly record: SyncRecord;
  readonly bytes: number;
  /** Since when (clock ms) the record's owner has held the key here. */
  readonly since: number;
  /** The owner of a refused record kept for the key (contenders.ts), if any. */
  readonly contender: string | undefined;
}

export interface AdmissionRules {
  readonly leasing: boolean;
  readonly leaseSeconds: number;
  readonly clockWindowSeconds: number;
  /** SYNC_RACE_SECONDS: how long a record must have been held before a peer writing over it is dropped. */
  readonly raceSeconds: number;
  readonly usage: WriterUsage;
  /** Where refusals that do not blame the neighbour go (rate-limited per neighbour). */
  readonly passedOn: PassedOnReports;
}

export type Admission = 'admit' | 'future' | 'lease' | 'quota' | 'unsigned' | 'two-values';

/** Checks `candidate` against the rules above; throws when `from` is to blame (see the top). */
export function admit(mesh: MeshContext, rules: AdmissionRules, candidate: Candidate, held: Held | undefined, from: Connection): Admission {
  const { owner, ts } = candidate;
  const now = mesh.nowSeconds();
  const refuse = (reason: RecordRefusedError['reason'], detail: string) => new RecordRefusedError(from.id, owner, reason, detail);
  /** Drops `from` when it wrote the record; otherwise (it passed it on) reports the refusal. */
  const blameWriter = (error: RecordRefusedError): void => {
    if (from.id === owner) throw error;
    rules.passedOn.report(mesh, error, from);
  };
  if (candidate.verified === false) throw refuse('bad-signature', 'its signature is not the owner\'s');
  if (ts > now + rules.clockWindowSeconds) {
    // Passed on, it may come from an honest neighbour whose clock runs between ours and a fast
    // owner's (within its window, outside ours): dropping that neighbour would cut us off from it.
    blameWriter(refuse('future', `dated ${ts - now} s ahead of our clock, more than the ${rules.clockWindowSeconds} s allowed`));
    return 'future';
  }
  if (candidate.verified === undefined && mesh.trust === 'strict') {
    blameWriter(refuse('unsigned', "it carries no owner's signature; unsigned (py2p/js2p) peers need trust: 'legacy'"));
    return 'unsigned';
  }
  if (!candidate.isDelta && candidate.verified && held?.record.proof && held.record.owner === owner && held.record.ts === ts) {
    // (a store that reaches here differs from the record held) Ordering the two would mean encoding
    // our value, which an owner signing variants of a large key could make us do without end.
    blameWriter(refuse('two-values', 'its owner signed another value for this key in the same second'));
    return 'two-values';
  }
  const size = candidate.size();
  const over = size === undefined ? undefined : rules.usage.exceeded(owner, size, held && { writer: held.record.owner, bytes: held.bytes });
  if (over !== undefined) {
    const error = new QuotaExceededError(owner, over, limitOf(rules.usage.limits, over), from.id);
    // a writer past its own quota is to blame; a full replica is nobody's fault in particular
    if (from.id === owner && isWritersOwn(over)) throw error;
    rules.passedOn.report(mesh, error, from);
    return 'quota';
  }
  if (rules.leasing && leaseHeld(rules, candidate, held, now)) {
    const error = refuse('lease', `${held!.record.owner} holds the key's lease`);
    if (isBreach(mesh, rules, candidate, held!, from)) throw error;
    mesh.debug.print(2, () => `sync: ${error.message} (kept until the lease lapses)`);
    return 'lease';
  }
  return 'admit';
}

/**
 * Whether a refused write is the peer's fault rather than a race: the peer wrote it itself, just
 * now, over a lease held here for a while (so it had heard of it), clearly unexpired (a clock a
 * little behind ours may have seen it lapse), and it is not renewing a claim of its own that
 * contends for the key since a partition healed (contenders.ts).
 */
function isBreach(mesh: MeshContext, rules: AdmissionRules, candidate: Candidate, held: Held, from: Connection): boolean {
  if (!candidate.live || from.id !== candidate.owner || held.contender === candidate.owner) return false;
  if (mesh.clock.now() - held.since < rules.raceSeconds * 1000) return false;
  return leaseHeld(rules, candidate, held, mesh.nowSeconds() + rules.clockWindowSeconds);
}

/** Whether someone else holds the key at `now` (§6.3 with leasing on; a tombstone holds no lease). */
function leaseHeld(rules: AdmissionRules, candidate: Candidate, held: Held | undefined, now: number): boolean {
  const current = held?.record;
  if (current === undefined || current.value === null) return false;
  return !checkLease({
    current,
    incoming: { owner: candidate.owner, ts: candidate.ts },
    isDelta: candidate.isDelta,
    leasing: true,
    nowSeconds: now,
    leaseSeconds: rules.leaseSeconds,
  }).allowed;
}

/**
 * Runs `handle`; when it refuses a record the peer is to blame for, reports that and drops the peer
 * (a broadcast's refusal in Service.vet drops it through the mesh instead).
 */
export function dropOffender(mesh: MeshContext, conn: Connection, handle: () => void): void {
  try {
    handle();
  } catch (error) {
    if (!(error instanceof RecordRefusedError || error instanceof QuotaExceededError)) throw error;
    mesh.reportError(error, 'sync');
    conn.close();
  }
}
