/**
 * A write whose record could not travel in one frame is refused before it is applied: set(),
 * update() and applyDelta() throw MessageTooLargeError and leave the replica as it was, so it never
 * holds a value no peer can get. A record just inside the limit reaches a neighbour, and a node that
 * joins later, as a sync (the largest form a record travels in).
 */
import { expect, test } from 'vitest';
import { MessageTooLargeError, SyncSocket } from '../../packages/web2p/src/index.js';
import { SYNC_MESSAGE_ENVELOPE_BYTES } from '../../packages/web2p/src/sync/constants.js';
import { chain, makeNet, until } from './helpers.js';
import { snapshot, syncNodes } from './sync-helpers.js';

/** Small, so that the values near it are quick to make and send. */
const LIMIT = 4096;
/** msgpack's header of a str of 256 to 65,535 characters. */
const STR16_HEADER = 3;
/** The longest text value of key 'k' (one byte) whose record fits the limit as a sync. */
const FITS = LIMIT - SYNC_MESSAGE_ENVELOPE_BYTES - 1 - STR16_HEADER;

test('a write over the frame limit throws MessageTooLargeError and changes nothing, here or at a peer', async () => {
  const net = makeNet();
  const [a, b] = syncNodes(net, 2, { maxFrameBytes: LIMIT }) as [SyncSocket, SyncSocket];
  await chain([a, b]);
  a.set('k', 'small');
  a.set('map', { x: 1 });
  await until(net, () => b.get('map') !== undefined, 'the first writes at b');
  const before = snapshot(a);

  expect(() => a.set('k', 'x'.repeat(FITS + 1))).toThrow(MessageTooLargeError);
  expect(() => a.set('new', 'x'.repeat(LIMIT))).toThrow(MessageTooLargeError);
  expect(() => a.update({ other: 'fine', big: 'x'.repeat(LIMIT) })).toThrow(MessageTooLargeError);
  expect(() => a.applyDelta('map', { y: 'x'.repeat(LIMIT) })).toThrow(MessageTooLargeError);
  expect(snapshot(a)).toBe(before);
  await net.run(5_000);
  expect(snapshot(b)).toBe(before);
});

test('a record just inside the limit reaches a neighbour and, as a sync, a node that joins later', async () => {
  const net = makeNet();
  const [a, b] = syncNodes(net, 2, { maxFrameBytes: LIMIT }) as [SyncSocket, SyncSocket];
  await chain([a, b]);
  const value = 'x'.repeat(FITS);
  a.set('k', value);
  await until(net, () => b.get('k') === value, 'the broadcast at b');
  const late = new SyncSocket({ transport: net.transport(), maxFrameBytes: LIMIT });
  await late.connect(a.address);
  await until(net, () => late.get('k') === value, 'the sync at the late joiner');
});
