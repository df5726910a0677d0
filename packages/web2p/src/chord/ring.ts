import { sha256 } from '../wire/sha2.js';
import { utf8 } from '../wire/packet.js';
import { CHORD_POSITION_PROBES, MAX_K, MIN_K, POSITIONS_CACHED } from './constants.js';

/**
 * Arithmetic on a chord ring of 2**k positions (the seed tutorial's design; not
 * py2p 0.7's 2**384 ring of PROTOCOL.md §7). Positions are integers in [0, 2**k), and "clockwise"
 * means increasing, wrapping from 2**k − 1 to 0. k is an integer in [MIN_K, MAX_K] = [1, 30], so a
 * position always fits a JS number exactly; anything else throws a RangeError.
 */

/** The number of positions, 2**k. */
export function ringSize(k: number): number {
  checkK(k);
  return 2 ** k;
}

/** How far `to` lies clockwise from `from`: (to − from) mod 2**k, in [0, 2**k). */
export function distance(from: number, to: number, k: number): number {
  const size = ringSize(k);
  checkPosition(from, size);
  checkPosition(to, size);
  return (to - from + size) % size;
}

/**
 * Whether `x` lies in the clockwise half-open interval (a, b]: after a, up to and including b. When
 * a == b the interval is the whole ring (every x, a itself included), as for a node alone on the
 * ring, which is its own predecessor and answers for every position.
 */
export function inInterval(x: number, a: number, b: number, k: number): boolean {
  const span = distance(a, b, k);
  const offset = distance(a, x, k);
  return span === 0 || (offset > 0 && offset <= span);
}

/** Where finger `i` (0 ≤ i < k) of the node at `position` points: (position + 2**i) mod 2**k. */
export function fingerTarget(position: number, i: number, k: number): number {
  const size = ringSize(k);
  checkPosition(position, size);
  if (!Number.isInteger(i) || i < 0 || i >= k) {
    throw new RangeError(`finger index ${i} is outside [0, ${k}) for a ring of 2**${k} positions`);
  }
  return (position + 2 ** i) % size;
}

/**
 * A position from a digest: its top k bits, read big-endian. The caller hashes (a 32-byte SHA-256
 * normally): positions must be uniform, and a node id's bytes may be passed as they are because an
 * id already is a hash (PROTOCOL.md §2.3). Only the first ceil(k / 8) bytes are read.
 */
export function positionFromId(digest: Uint8Array, k: number): number {
  if (k !== 32) checkK(k); // 32: idPosition's cached top bits, cut to k afterwards
  const byteCount = Math.ceil(k / 8);
  if (digest.length < byteCount) {
    throw new RangeError(`a ${digest.length}-byte digest is shorter than the ${k} bits needed`);
  }
  let value = 0;
  for (let i = 0; i < byteCount; i++) value = value * 256 + (digest[i] as number);
  return Math.floor(value / 2 ** (8 * byteCount - k));
}

/** The position a key belongs at: the top k bits of SHA-256 of its bytes (str keys as UTF-8). */
export function keyPosition(keyBytes: Uint8Array, k: number): number {
  return positionFromId(sha256(keyBytes), k);
}

/** The top 32 bits of SHA-256 of node ids lately seen: entries in every meta are checked (idPosition). */
const idDigests = new Map<string, number>();

/**
 * A node's derived position (PROTOCOL.md §14.18): the top k bits of SHA-256 of its node id's UTF-8
 * text, the same rule as keys'. The id is derived from the node's public key (§14.14), so the
 * position follows from the key and cannot be chosen without grinding keys.
 */
export function idPosition(id: string, k: number): number {
  checkK(k);
  let top = idDigests.get(id);
  if (top === undefined) {
    top = positionFromId(sha256(utf8(id)), 32);
    idDigests.set(id, top);
    if (idDigests.size > POSITIONS_CACHED) idDigests.delete(idDigests.keys().next().value!);
  }
  return Math.floor(top / 2 ** (32 - k));
}

/** How many positions, from its derived one clockwise, a node may probe: CHORD_POSITION_PROBES, or the whole of a smaller ring. */
export function positionWindow(k: number): number {
  return Math.min(ringSize(k), CHORD_POSITION_PROBES);
}

/**
 * Whether node `id` may stand at `position`: one of the positionWindow(k) positions from its
 * derived one clockwise (§14.18). Every node checks this of every ring entry it is told about.
 */
export function positionAllowed(id: string, position: number, k: number): boolean {
  return distance(idPosition(id, k), position, k) < positionWindow(k);
}

/**
 * The collision rule: two nodes cannot share a position, so a joining node takes the first free
 * one probing clockwise from its preferred position (preferred, preferred + 1, …, wrapping past
 * 2**k − 1 to 0), at most `limit` of them (positionWindow: a node may only stand within that many
 * of its derived position). Deterministic, so every peer that knows the taken set agrees on the
 * outcome. Undefined when every probed position is taken. Each failed probe hits a distinct
 * member of `taken`, so the cost is O(|taken|).
 */
export function resolvePosition(
  preferred: number,
  taken: ReadonlySet<number>,
  k: number,
  limit: number = ringSize(k),
): number | undefined {
  const size = ringSize(k);
  checkPosition(preferred, size);
  for (let step = 0; step < Math.min(size, limit); step++) {
    const candidate = (preferred + step) % size;
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The node responsible for position p (classic Chord): the first node at or clockwise after p,
 * wrapping to the lowest. `sortedPositions` is ascending, without duplicates, every element on the
 * ring. Undefined when there are no nodes.
 */
export function successorOf(
  p: number,
  sortedPositions: readonly number[],
  k: number,
): number | undefined {
  checkPosition(p, ringSize(k));
  return sortedPositions[firstAtOrAfter(p, sortedPositions)] ?? sortedPositions[0];
}

/**
 * The first node strictly counter-clockwise of p, wrapping to the highest: the node whose interval
 * (predecessor, successor] holds p. A node alone is its own predecessor. Same input rules as
 * successorOf.
 */
export function predecessorOf(
  p: number,
  sortedPositions: readonly number[],
  k: number,
): number | undefined {
  checkPosition(p, ringSize(k));
  const index = firstAtOrAfter(p, sortedPositions);
  return sortedPositions[index - 1] ?? sortedPositions[sortedPositions.length - 1];
}

/** Binary search: the index of the first element ≥ p, or the length when there is none. */
function firstAtOrAfter(p: number, sorted: readonly number[]): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < p) low = middle + 1;
    else high = middle;
  }
  return low;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) {
    throw new RangeError(`k must be an integer from ${MIN_K} to ${MAX_K}, not ${k}`);
  }
}

function checkPosition(position: number, size: number): void {
  if (!Number.isInteger(position) || position < 0 || position >= size) {
    throw new RangeError(`position ${position} is not on a ring of ${size} positions`);
  }
}
