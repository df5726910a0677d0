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
}

/** Runs get/set/delete/delta on the shard (find is answered by the socket, which knows the ring). */
export function execute(request: ChordRequest, shard: Shard, nowMs: number): Outcome {
  const key = request.key!;
  const current = shard.get(key);
  switch (request.kind) {
    case 'get':
      return current ? outcome('ok', current.value) : outcome('absent');
    case 'set':
      return { status: 'ok', value: undefined, written: shard.write(key, request.value, nowMs) };
    case 'delete':
      return current ? { status: 'ok', value: undefined, written: shard.write(key, undefined, nowMs) } : outcome('absent');
    case 'delta': {
      if (current && !isMapping(current.value)) return outcome('type');
      const merged = mergeMapping(current?.value, request.value as Mapping);
      return { status: 'ok', value: merged, written: shard.write(key, merged, nowMs) };
    }
    case 'find':
      throw new Error('find is answered by the ring, not the shard');
  }
}

function outcome(status: AnswerStatus, value?: Packet): Outcome {
  return { status, value, written: undefined };
}
