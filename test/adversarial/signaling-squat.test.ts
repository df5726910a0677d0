/**
 * Squatting a signaling id (issue 15), against a real web2p-signal server on 127.0.0.1: an attacker
 * tries to join under a member's id while the member is there, the moment its WebSocket drops,
 * with a forged proof or one made for another connection. Each attempt is refused with a typed
 * error frame, signals addressed to the id reach only its owner, and the owner coming back on a new
 * connection takes its id back (from its own dead connection, or from an unproven squatter where
 * the server admits unproven joins).
 */
import { describe, expect, it } from 'vitest';
import { createIdentity, nodeIdOf, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { makeJoinProof } from '../../packages/web2p/src/signaling/join-proof.js';
import { connect, startServer, type TestClient } from '../node/signaling-helpers.js';
import type { SignalingServer } from '../../signaling-server/src/index.js';

const PROTOCOL = 'squat-test-protocol';

function owner(): { identity: Identity; id: string } {
  const identity = createIdentity(systemRandom);
  return { identity, id: nodeIdOf(identity.publicKey, PROTOCOL) };
}

/** A raw client that joins `room` as `id`, proving it with `identity` when given. */
async function joinAs(server: SignalingServer, room: string, id: string, identity?: Identity): Promise<TestClient> {
  const client = await connect(server, room);
  await waitForNonce(client);
  client.send(identity ? { type: 'join', id, proof: await makeJoinProof(identity, client.nonce!, id, PROTOCOL) } : { type: 'join', id });
  return client;
}

async function waitForNonce(client: TestClient): Promise<void> {
  // The challenge is the server's first frame; a ping's pong comes after it.
  await client.ping();
  expect(client.nonce).toMatch(/^[0-9a-f]{64}$/);
}

describe('signaling id squatting (joinProof: required, the default)', () => {
  it('nobody joins under a member’s id: not without a proof, not with a forged one, not with one made for another connection', async () => {
    const server = await startServer({ joinProof: 'required' });
    const member = owner();
    const honest = await joinAs(server, 'room', member.id, member.identity);
    await honest.nextOfType('peers');

    const unproven = await joinAs(server, 'room', member.id);
    expect(await unproven.nextOfType('error')).toMatchObject({ code: 'unproven' });

    const forged = await joinAs(server, 'room', member.id, createIdentity(systemRandom)); // another key
    expect(await forged.nextOfType('error')).toMatchObject({ code: 'bad-proof' });

    // A genuine proof by the member, but for another connection's challenge (a leaked or recorded one).
    const leaked = await makeJoinProof(member.identity, honest.nonce!, member.id, PROTOCOL);
    const replayer = await connect(server, 'room');
    await waitForNonce(replayer);
    replayer.send({ type: 'join', id: member.id, proof: leaked });
    expect(await replayer.nextOfType('error')).toMatchObject({ code: 'bad-proof', message: expect.stringContaining('another connection') });

    // Signals for the member still reach the member alone.
    const sender = owner();
    const other = await joinAs(server, 'room', sender.id, sender.identity);
    await other.nextOfType('peers');
    other.send({ type: 'signal', to: member.id, data: { sdp: 'for the member' } });
    expect(await honest.nextOfType('signal')).toMatchObject({ from: sender.id, data: { sdp: 'for the member' } });
    for (const attacker of [unproven, forged, replayer]) expect(attacker.unclaimed.filter((m) => m.type === 'signal')).toEqual([]);
  });

  it('the moment the member’s connection drops, its id cannot be taken; the owner joins again under it', async () => {
    const server = await startServer({ joinProof: 'required' });
    const member = owner();
    const first = await joinAs(server, 'room', member.id, member.identity);
    await first.nextOfType('peers');
    first.ws.terminate();
    const squatter = await joinAs(server, 'room', member.id);
    expect(await squatter.nextOfType('error')).toMatchObject({ code: 'unproven' });
    const back = await joinAs(server, 'room', member.id, member.identity);
    await back.nextOfType('peers');
  });

  it('the owner coming back while its old connection is still held (half-open) takes its id back at once', async () => {
    const server = await startServer({ joinProof: 'required' });
    const member = owner();
    const stale = await joinAs(server, 'room', member.id, member.identity);
    await stale.nextOfType('peers');
    // The old connection is still open as far as the server knows: a plain rejoin would be id-taken.
    const back = await joinAs(server, 'room', member.id, member.identity);
    await back.nextOfType('peers');
    expect((await stale.waitClosed()).code).toBe(4008);
  });
});

describe('signaling id squatting where unproven joins are admitted (joinProof: optional)', () => {
  it('an unproven squatter that took a dropped member’s id loses it to the owner, and its signals go to the owner again', async () => {
    const server = await startServer({ joinProof: 'optional' });
    const member = owner();
    const first = await joinAs(server, 'room', member.id, member.identity);
    await first.nextOfType('peers');
    first.ws.terminate();
    await first.waitClosed();
    const squatter = await joinAs(server, 'room', member.id);
    await squatter.nextOfType('peers'); // admitted: nobody held the id, and nothing proves it
    const back = await joinAs(server, 'room', member.id, member.identity);
    await back.nextOfType('peers');
    expect((await squatter.waitClosed()).code).toBe(4008);
    // An unproven join never evicts the proven owner.
    const again = await joinAs(server, 'room', member.id);
    expect(await again.nextOfType('error')).toMatchObject({ code: 'id-taken' });
    const sender = owner();
    const other = await joinAs(server, 'room', sender.id, sender.identity);
    await other.nextOfType('peers');
    other.send({ type: 'signal', to: member.id, data: 'hello owner' });
    expect(await back.nextOfType('signal')).toMatchObject({ from: sender.id, data: 'hello owner' });
  });
});
