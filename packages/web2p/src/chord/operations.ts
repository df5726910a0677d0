/**
 * What the responsible node does with a request that reached it: read its shard, or store a
 * writer's signed record (checked for its signature and version bounds before this, by the
 * service). Pure apart from the shard, so the dict semantics are tested without a network.
 */
import type { QuotaLimit } from '../replica/quota.js';
import type { Packet } from '../wire/packet.js';
import { encodeRecord, type AnswerStatus, type ChordRequest } from './messages.js';
import { storedSummary } from './record-proof.js';
import type { Item, Shard } from './shard.js';

export interface Outcome {
  status: AnswerStatus;
  value: Packet | undefined;
  /** The item written, to be copied to the replicas. */
  written: Item | undefined;
  /** With status 'quota': the limit the write would have passed. */
  over?: QuotaLimit;
}

/**
 * Runs get, set or delete on the shard (find and pull are answered by the socket, which knows the ring). A
 * get answers the record itself (its writer's signature lets the reader check it). A write is made
 * only when its version beats the one held and, if conditional, the live value held is the one it
 * was based on ('stale', with the version held, otherwise); when it would take its writer past its
 * quota here it is not made ('quota'). Deleting an absent key writes nothing ('absent').
 */
export function execute(request: ChordRequest, shard: Shard): Outcome {
  if (request.kind === 'find' || request.kind === 'pull') throw new Error(`${request.kind} is answered by the socket, which knows the ring`);
  const key = request.key!;
  const current = shard.get(key);
  if (request.kind === 'get' || request.kind === 'replica-get') return current ? outcome('ok', encodeRecord(current)) : outcome('absent');
  const record = request.record!;
  const held = shard.versionOf(key);
  if (request.base !== undefined && (current?.version ?? 0) !== request.base) return outcome('stale', held ?? 0);
  if (held !== undefined && held >= record.version) return outcome('stale', held);
  if (record.value === undefined && !current) return outcome('absent');
  const over = shard.exceeds(record);
  if (over) return { status: 'quota', value: over, written: undefined, over };
  return { status: 'ok', value: storedSummary(record), written: shard.write(record) };
}

function outcome(status: AnswerStatus, value?: Packet): Outcome {
  return { status, value, written: undefined };
}
