/**
 * Which chord records from peers a node takes (issue 15): a version must stay within
 * CHORD_VERSION_WINDOW_MS of our clock, or be the next version after the one we hold, so that no
 * record can carry a version no honest write will ever beat.
 */
import { RecordRefusedError } from '../errors.js';
import { describeKey } from '../replica/keys.js';
import type { WireRecord } from './messages.js';

/** Throws RecordRefusedError (naming the peer) when `record`'s version is out of bounds. */
export function checkVersion(record: WireRecord, held: number | undefined, nowMs: number, windowMs: number, peerId: string | undefined): void {
  if (record.version <= nowMs + windowMs || (held !== undefined && record.version === held + 1)) return;
  throw new RecordRefusedError(
    peerId,
    record.writer,
    'version',
    `the version ${record.version} of ${JSON.stringify(describeKey(record.key))} is more than ${windowMs} ms ahead of our clock`,
  );
}
