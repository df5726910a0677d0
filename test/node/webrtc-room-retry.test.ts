/**
 * Members that join a room and then never answer (sybils, frozen tabs) must not isolate a newcomer
 * that happened to offer to them: each room offer that fails for good is replaced by an offer to
 * another member of the introduction. Real node-datachannel peers, a real signaling server, and
 * sybils that are plain WebSocket clients.
 */
import { describe, expect, it } from 'vitest';
import { SignalingError } from '../../packages/web2p/src/errors.js';
import { systemRandom, type Random } from '../../packages/web2p/src/runtime/random.js';
import { join, startServer, waitFor } from './signaling-helpers.js';
import { makePeer, neighbours } from './webrtc-helpers.js';

/** Room offers time out this fast here, so two silent members cost the newcomer six seconds (generous: a loaded CI machine can take over a second to open a channel). */
const CONNECT_TIMEOUT_MS = 3_000;
const SYBILS = 2;

/**
 * Shuffles nothing (Fisher–Yates with every draw at the top keeps the order), so the newcomer offers
 * to the room's members oldest first: the sybils, which joined before the honest peer, come first.
 */
const oldestFirst: Random = { next: () => 1 - Number.EPSILON, bytes: (n) => systemRandom.bytes(n) };

describe('room offers that fail', () => {
  it('a newcomer whose first offers go to silent members offers to the others until one answers', async () => {
    const server = await startServer();
    const url = `${server.url}/crowd`;
    for (let i = 0; i < SYBILS; i++) await join(server, 'crowd'); // joined, never answers an offer
    const honest = makePeer();
    await honest.socket.connect(url);
    const newcomer = makePeer({}, { roomOfferLimit: 1, connectTimeoutMs: CONNECT_TIMEOUT_MS, random: oldestFirst });
    await newcomer.socket.connect(url);
    await waitFor(() => neighbours(newcomer, honest), (SYBILS + 3) * CONNECT_TIMEOUT_MS, 'the newcomer to reach the honest peer');
    expect(newcomer.errors).toEqual([]);
  });
});

describe('a full room', () => {
  it('connect() rejects with a SignalingError that says the room is full', async () => {
    const server = await startServer({ maxRoomSize: 1 });
    await join(server, 'small');
    const late = makePeer();
    const error = await late.socket.connect(`${server.url}/small`).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect((error as Error).message).toMatch(/room .*small is full/);
  });
});
