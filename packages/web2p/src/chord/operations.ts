/**
 * What the responsible node does with a request that reached it: read, write, delete or merge in
 * its shard. Pure apart from the shard, so the dict semantics are tested without a network.
 */
import type { Packet } from '../wire/packet.js';
import { isMapping, mergeMapping, type Mapping } from '../replica/mapping.js';
import type { AnswerStatus, ChordRequest } from './messages.js';
import type { Item, Shard } from './shard.js';

export interface Outcome {
  status: AnswerStatus;
  value: Packet | undefined;
  /** The item written, to be copied to the replicas. */
  written: Item | undefined;
  /** With status 'quota': the limit the write would have passed. */
  over?: 'keys' | 'bytes';
}

/**
 * Runs get/set/delete/delta on the shard (find is answered by the socket, which knows the ring). A
 * write that would take its writer past its quota here is not made ('quota').
 */
export function execute(request: ChordRequest, shard: Shard, nowMs: number): Outcome {
  const key = request.key!;
  const current = shard.get(key);
  switch (request.kind) {
    case 'get':
      return current ? outcome('ok', current.value) : outcome('absent');
    case 'set':
      return write(request, shard, request.value, nowMs, undefined);
    case 'delete':
      return current ? write(request, shard, undefined, nowMs, undefined) : outcome('absent');
    case 'delta': {
      if (current && !isMapping(current.value)) return outcome('type');
      const merged = mergeMapping(current?.value, request.value as Mapping);
      return write(request, shard, merged, nowMs, merged);
    }
    case 'find':
      throw new Error('find is answered by the ring, not the shard');
  }
}

/** Writes `value` at the request's key as its writer, unless that passes the writer's quota. */
function write(request: ChordRequest, shard: Shard, value: Packet | undefined, nowMs: number, answer: Packet | undefined): Outcome {
  const key = request.key!;
  const writer = request.writer!;
  const over = shard.exceeds({ key, value, writer });
  if (over) return { status: 'quota', value: over, written: undefined, over };
  return { status: 'ok', value: answer, written: shard.write(key, value, nowMs, writer) };
}

function outcome(status: AnswerStatus, value?: Packet): Outcome {
  return { status, value, written: undefined };
}
