/**
 * The relay rule's trust (issue 15): a broadcast from neighbour F need not be passed on to
 * neighbour X when F sends it to X itself. F's word alone would let F censor: listing X as its
 * neighbour without being one (or while it is one only in its own telling) makes every relay skip X.
 * So the link counts only when both ends say so, each over its own proven link to us: F lists X,
 * and X lists F. An F that lies can then only drop what it relays itself, as any relay can.
 */
import type { ConnectionRecord } from './connection-record.js';

/** Whether the broadcast that `from` relayed reaches `to` from `from` itself (both confirm their link). */
export function relayedByItself(from: ConnectionRecord, to: ConnectionRecord): boolean {
  return (
    from.announcesNeighbours &&
    to.announcesNeighbours &&
    to.id !== undefined &&
    from.id !== undefined &&
    from.neighbours?.has(to.id) === true &&
    to.neighbours?.has(from.id) === true
  );
}
