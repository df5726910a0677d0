/**
 * Issues 15 and 16, chord (PROTOCOL.md §14.16, §14.18), against real Node peers on TCP: a hostile
 * peer (chord-attacker.ts) claims a ring position its id does not give, plants records with
 * version 1e308 or a forged writer signature, writes past its storage quota, answers reads of a
 * victim key with its own value, or acknowledges writes it did not store. Each is refused or
 * bypassed, the attacker dropped, and the honest data and writers are unaffected.
 */
import { afterEach, expect, it } from 'vitest';
import { idPosition, inInterval, keyPosition, positionWindow, ringSize } from '../../packages/web2p/src/chord/ring.js';
import { createIdentity, nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import { ChordSocket, QuotaExceededError } from '../../packages/web2p/src/node/index.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { attackedNode, ChordWireAttacker, garbageProof, type AttackedNode, signedLie, turnLiar, turnSilentReplica } from './chord-attacker.js';
import { encodeRecord, encodeRequest, encodeWriteAck } from '../../packages/web2p/src/chord/messages.js';
import { PULL_BURST, PULLS_PER_SECOND } from '../../packages/web2p/src/chord/constants.js';
import { storedSummary } from '../../packages/web2p/src/chord/record-proof.js';

const NET_MS = 10_000;

const open: Array<ChordSocket | ChordWireAttacker> = [];
const restore: Array<() => void> = [];
afterEach(async () => {
  for (const undo of restore.splice(0)) undo();
  for (const node of open.splice(0)) await node.close();
});

/** The quota of keys per writer the storing nodes here keep. */
const QUOTA = 5;

/** attackedNode (chord-attacker.ts) with the quota above. */
const scene = (trust: 'strict' | 'legacy' = 'strict'): Promise<AttackedNode> => attackedNode({ maxKeysPerWriter: QUOTA, trust }, (closable) => open.push(closable));

/** The honest data is all there, and honest writes go on. */
async function expectHonestDataKept(node: ChordSocket): Promise<void> {
  expect(await node.get('honest')).toBe('kept');
  await node.set('honest', 'still writable');
  expect(await node.get('honest')).toBe('still writable');
}

it('a replica record with version 1e308 is refused and its sender dropped; honest writes still win', async () => {
  const { node, attacker, errors } = await scene();
  attacker.sendReplicas([attacker.record({ key: utf8('honest'), version: 1e308, value: 'mallory' })]); // validly signed by its writer
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, reason: 'version' }));
  await expectHonestDataKept(node);
});

it('a replica record of another writer dated past our window is refused, reported once, and its sender kept (its clock may run ahead of ours, within its own window)', async () => {
  const { node, attacker, errors } = await scene();
  const other = createIdentity(systemRandom); // a writer whose clock runs 90 s ahead
  const writer = nodeIdOf(other.publicKey, node.protocol.id);
  const ahead = Date.now() + 90_000;
  attacker.sendReplicas([attacker.record({ key: utf8('early'), version: ahead, value: 'from the fast clock', writer, signer: other })]);
  attacker.sendReplicas([attacker.record({ key: utf8('early too'), version: ahead, value: 'again', writer, signer: other })]);
  await waitFor(() => errors.length > 0, NET_MS, 'the refusal is reported');
  expect(errors).toEqual([expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, owner: writer, reason: 'version' })]);
  expect(node.routingTable.has(attacker.id)).toBe(true); // the node drops a peer at once, the peer hears of it later
  expect(attacker.closed).toBe(false);
  await expectHonestDataKept(node);
  await expect(node.get('early')).rejects.toMatchObject({ name: 'KeyError' });
});

it('a writer flooding set requests past its key quota gets a refusal and is dropped; the storing node keeps only its quota', async () => {
  const { node, attacker, errors } = await scene();
  const requests = 4 * QUOTA;
  for (let i = 0; i < requests; i++) {
    const key = utf8(`flood ${i}`);
    attacker.sendWrite(`req${i}`, keyPosition(key, node.k), key, attacker.record({ key, version: Date.now(), value: 'x'.repeat(100) }));
  }
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  const statuses = attacker.wire.received.map((message) => message.payload).filter((payload) => payload[0] === flags.retrieved).map((payload) => payload[4]);
  expect(statuses).toContain('quota'); // answers sent after the drop are lost with the link
  expect(statuses.every((status) => status === 'ok' || status === 'quota')).toBe(true);
  expect(errors).toContainEqual(expect.objectContaining({ name: 'QuotaExceededError', owner: attacker.id, what: 'keys', limit: QUOTA, peerId: attacker.id }));
  expect(errors.filter((error) => error instanceof QuotaExceededError)).toHaveLength(1); // the rest of the flood went unread
  expect(node.keys()).toHaveLength(1 + QUOTA); // 'honest' and the attacker's first QUOTA keys
  await expectHonestDataKept(node);
});

it('replica records past a writer\'s quota, sent by that writer, are refused and their sender dropped', async () => {
  const { node, attacker, errors } = await scene();
  const version = Date.now();
  const records = Array.from({ length: 2 * QUOTA }, (_, i) => attacker.record({ key: utf8(`planted ${i}`), version, value: 'x' }));
  attacker.sendReplicas(records);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'QuotaExceededError', owner: attacker.id, peerId: attacker.id }));
  await expectHonestDataKept(node);
  await expect(node.get(`planted ${QUOTA}`)).rejects.toMatchObject({ name: 'KeyError' });
});

it('replica records past the quota of a writer other than their sender are refused, reported once, and the sender kept (it may be passing them on)', async () => {
  const { node, attacker, errors } = await scene();
  const other = createIdentity(systemRandom); // someone else, whose own signed records the attacker passes on
  const writer = nodeIdOf(other.publicKey, node.protocol.id);
  const records = Array.from({ length: 4 * QUOTA }, (_, i) => attacker.record({ key: utf8(`passed on ${i}`), version: Date.now(), value: 'x', writer, signer: other }));
  attacker.sendReplicas(records);
  await waitFor(() => errors.length > 0, NET_MS, 'the refusal is reported');
  expect(errors).toEqual([expect.objectContaining({ name: 'QuotaExceededError', owner: writer, peerId: attacker.id })]);
  expect(node.routingTable.has(attacker.id)).toBe(true);
  expect(attacker.closed).toBe(false);
  await expectHonestDataKept(node);
  await expect(node.get(`passed on ${QUOTA}`)).rejects.toMatchObject({ name: 'KeyError' });
});

it('an honest writer is refused before sending, so the storing node never has to drop it', async () => {
  const storing = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerWriter: QUOTA });
  const writer = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerWriter: QUOTA });
  open.push(storing, writer);
  await Promise.all([storing.listening, writer.listening]);
  await storing.join();
  await writer.connect(storing.address);
  await waitFor(() => storing.routingTable.has(writer.id), NET_MS, 'the writer is linked');
  const errors: Error[] = [];
  storing.on('error', (error) => errors.push(error));
  for (let i = 0; i < QUOTA; i++) await writer.set(`mine ${i}`, i);
  await expect(writer.set('one too many', 0)).rejects.toBeInstanceOf(QuotaExceededError);
  await writer.set('mine 0', 'rewritten'); // replacing a key of its own stays within the quota
  await writer.delete('mine 1');
  await expect(writer.set('still one too many', 0)).rejects.toMatchObject({ name: 'QuotaExceededError', what: 'keys' }); // its tombstone counts
  expect(storing.routingTable.has(writer.id)).toBe(true);
  expect(errors).toEqual([]);
  expect(await writer.get('mine 0')).toBe('rewritten');
  await expect(storing.get('one too many')).rejects.toMatchObject({ name: 'KeyError' });
});

it('a ring member pulling over and over is answered PULL_BURST times, then once a stabilization round', async () => {
  const { node, attacker } = await scene();
  for (let i = 0; i < 3; i++) await node.set(`pulled ${i}`, i); // three positions: at least two in any range asked for below
  const derived = idPosition(attacker.id, node.k);
  const position = derived === node.ringState().position ? (derived + 1) % ringSize(node.k) : derived;
  attacker.claimPosition(position, true);
  await waitFor(() => node.ringState().successors.some((entry) => entry.id === attacker.id), NET_MS, 'the node takes it into the ring');
  // Whispers keep their order: once a read sent after other messages is answered, so are they.
  const key = utf8('honest');
  const handoffs = () => attacker.wire.received.filter((m) => m.payload[0] === flags.notify && m.payload[1] === 'handoff').length;
  const drain = async (id: string): Promise<void> => {
    attacker.wire.send(flags.whisper, [flags.retrieve, id, 0, true, keyPosition(key, node.k), key, 'replica']);
    await waitFor(() => attacker.wire.received.some((m) => m.payload[0] === flags.retrieved && m.payload[1] === id), NET_MS, `read ${id} is answered`);
  };
  await drain('before'); // the keys handed to it as the node's new predecessor are in
  const handed = handoffs();
  // (position + 1, position]: everything but one position, as often as it likes.
  const pulls = 20;
  const started = Date.now();
  for (let i = 0; i < pulls; i++) {
    const pull = { kind: 'pull' as const, id: `pull${i}`, hops: 0, final: true, position, key: undefined, rangeFrom: (position + 1) % ringSize(node.k) };
    attacker.wire.send(flags.whisper, encodeRequest(pull));
  }
  await drain('after');
  const answered = attacker.wire.received.filter((m) => m.payload[0] === flags.notify && m.payload[1] === 'handoff').slice(handed);
  expect(answered.length).toBeGreaterThanOrEqual(PULL_BURST);
  expect(answered.length).toBeLessThanOrEqual(PULL_BURST + Math.floor(((Date.now() - started) / 1000) * PULLS_PER_SECOND));
  for (const message of answered) expect((message.payload[3] as unknown[]).length).toBeGreaterThanOrEqual(2);
  expect(attacker.closed).toBe(false); // over its budget it is only not answered: an honest node pulls after each failure
  attacker.close(); // it never answers requests: out of the way before reading
  await waitFor(() => !node.routingTable.has(attacker.id), NET_MS, 'the node sees it go');
  await expectHonestDataKept(node);
});

// ------------------------------------------------------------------ signed records and positions (§14.18)

it('a peer claiming a ring position its id does not give is refused and dropped; its own position is taken', async () => {
  const { node, attacker } = await scene();
  const honest = await ChordWireAttacker.connect(node);
  open.push(honest);
  // Its derived position, or the next one when that is the node's (1 in 64 at k = 6), as a joining node would.
  const derived = idPosition(honest.id, node.k);
  honest.claimPosition(derived === node.ringState().position ? (derived + 1) % ringSize(node.k) : derived, true);
  await waitFor(() => honest.wire.received.filter((m) => m.payload[0] === flags.handshake).length >= 3, NET_MS, 'the node answers its meta');
  expect(node.ringState().successors.map((entry) => entry.id)).toContain(honest.id); // taken into the ring
  honest.close(); // it never answers requests: out of the way before reading
  await waitFor(() => !node.routingTable.has(honest.id), NET_MS, 'the node sees it go');
  const chosen = (idPosition(attacker.id, node.k) + positionWindow(node.k)) % ringSize(node.k); // just past what its id allows
  attacker.claimPosition(chosen, true);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(node.ringState().successors).toEqual([]);
  await expectHonestDataKept(node);
});

it('a replica record with a forged writer signature, or none, is refused and its sender dropped', async () => {
  for (const proof of ['forged', 'none'] as const) {
    const { node, attacker, errors } = await scene();
    const record = { key: utf8('honest'), version: Date.now() + 1, writer: node.id, value: 'mallory', proof: proof === 'forged' ? garbageProof(attacker.wire.identity) : undefined };
    attacker.sendReplicas([encodeRecord(record)]);
    await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
    const reason = proof === 'forged' ? 'bad-signature' : 'unsigned';
    expect(errors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, owner: node.id, reason }));
    await expectHonestDataKept(node);
  }
});

it("with trust 'legacy' an unsigned record is taken, as before signing; a forged signature is still refused", async () => {
  const { node, attacker, errors } = await scene('legacy');
  const unsigned = { key: utf8('legacy key'), version: Date.now(), writer: attacker.id, value: 'unsigned', proof: undefined };
  attacker.sendReplicas([encodeRecord(unsigned)]);
  await waitFor(() => node.keys().some((key) => new TextDecoder().decode(key) === 'legacy key'), NET_MS, 'the unsigned record is kept');
  expect(await node.get('legacy key')).toBe('unsigned');
  const forged = { ...unsigned, key: utf8('honest'), version: Date.now() + 1, writer: node.id, value: 'mallory', proof: garbageProof(attacker.wire.identity) };
  attacker.sendReplicas([encodeRecord(forged)]);
  await waitFor(() => attacker.closed, NET_MS, 'the forger is dropped');
  expect(errors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', reason: 'bad-signature' }));
  await expectHonestDataKept(node);
});

/**
 * Three storing nodes on real TCP, named by their order on the ring: reader → liar → last → reader.
 * The liar is a member in good standing; the test turns it hostile with turnLiar.
 */
async function ringOfThree(): Promise<{ reader: ChordSocket; liar: ChordSocket; last: ChordSocket }> {
  const nodes = Array.from({ length: 3 }, () => new ChordSocket({ k: 16, listen: { host: '127.0.0.1', port: 0 } }));
  open.push(...nodes);
  await Promise.all(nodes.map((node) => node.listening));
  await nodes[0]!.join();
  for (const node of nodes.slice(1)) {
    await node.connect(nodes[0]!.address);
    await node.join();
  }
  const ringed = (): boolean => nodes.every((node) => node.ringState().successors.length === 2 && node.ringState().predecessor !== undefined);
  await waitFor(ringed, 3 * NET_MS, 'the three nodes form a ring');
  const [reader, liar, last] = [...nodes].sort((a, b) => a.ringState().position! - b.ringState().position!);
  await waitFor(() => reader!.routingTable.has(liar!.id) && reader!.routingTable.has(last!.id), NET_MS, 'the reader links to both');
  return { reader: reader!, liar: liar!, last: last! };
}

/** A key whose position lies in (from, to] on a 2**16 ring. */
function keyBetween(from: number, to: number): string {
  for (let i = 0; ; i++) if (inInterval(keyPosition(utf8(`key ${i}`), 16), from, to, 16)) return `key ${i}`;
}

it("a node answering reads of a victim key with its own value is bypassed: the reader gets the honest value from a replica and drops it", async () => {
  const { reader, liar, last } = await ringOfThree();
  const key = keyBetween(reader.ringState().position!, liar.ringState().position!); // the liar's key
  await last.set(key, 'honest');
  restore.push(
    turnLiar(liar.id, (request, self) => {
      if (request.kind !== 'get') return undefined;
      // The victim's record with the liar's value: the victim's signature cannot be made.
      const forged = encodeRecord({ key: request.key!, version: Date.now(), writer: last.id, value: 'mallory', proof: garbageProof(self.identity) });
      return signedLie(request, self, 'ok', forged);
    }),
  );
  const errors: Error[] = [];
  reader.on('error', (error) => errors.push(error));
  const info = await reader.getWithInfo(key);
  expect(info.value).toBe('honest');
  expect(info.node).toBe(last.id); // a replica answered
  expect(errors).toContainEqual(expect.objectContaining({ name: 'ChordAnswerError', peerId: liar.id, reason: 'bad-record' }));
  expect(reader.routingTable.has(liar.id)).toBe(false); // dropped (the ring takes it for unreachable a while)
});

it('a write acknowledged by a node that is not the key\'s, or with a forged acknowledgement, does not count: set resolves once the key\'s node stored it', async () => {
  for (const lie of ['own ack', 'forged ack'] as const) {
    const { reader, liar, last } = await ringOfThree();
    const key = keyBetween(liar.ringState().position!, last.ringState().position!); // last's key, routed through the liar
    const seen: string[] = [];
    restore.push(
      turnLiar(liar.id, (request, self) => {
        if (request.kind !== 'set') return undefined;
        seen.push(request.id);
        const written = [request.record!.version, new Uint8Array(32)];
        if (lie === 'own ack') return signedLie(request, self, 'ok', written); // validly signed, but not the key's node
        const lastEntry = { ...self.self, id: last.id, position: last.ringState().position! };
        return { id: request.id, hops: request.hops, responder: lastEntry, status: 'ok', value: written, proof: garbageProof(self.identity) };
      }),
    );
    const errors: Error[] = [];
    reader.on('error', (error) => errors.push(error));
    await reader.set(key, 'stored');
    expect(seen.length).toBeGreaterThan(0); // the liar did answer
    expect(last.keys().map((bytes) => new TextDecoder().decode(bytes))).toContain(key); // stored where it belongs
    expect(await last.get(key)).toBe('stored');
    if (lie === 'forged ack') expect(errors).toContainEqual(expect.objectContaining({ name: 'ChordAnswerError', peerId: liar.id, reason: 'bad-signature' }));
    for (const undo of restore.splice(0)) undo();
    for (const node of open.splice(0)) await node.close();
  }
});

/** The liar leaves; its range is then last's, which holds `key` only if a replica copy reached it (keys() lists a node's own range). */
async function expectKeptAfterLiarLeaves(writer: ChordSocket, liar: ChordSocket, last: ChordSocket, key: string): Promise<void> {
  await liar.close();
  await waitFor(() => last.ringState().predecessor?.id === writer.id, 3 * NET_MS, "last takes over the liar's range");
  expect(last.keys().map((bytes) => new TextDecoder().decode(bytes))).toContain(key);
  expect(await writer.get(key)).toBe('stored');
  expect(await last.get(key)).toBe('stored');
}

it("a key's node that acknowledges a write and drops it, passing on a confirmation it forged, loses nothing: the writer copies to the replicas itself and drops it", async () => {
  const { reader: writer, liar, last } = await ringOfThree();
  const key = keyBetween(writer.ringState().position!, liar.ringState().position!); // the liar's key
  let acknowledged = 0;
  restore.push(
    turnLiar(liar.id, (request, self) => {
      if (request.kind !== 'set') return undefined;
      acknowledged++;
      // Signed by the key's node and naming what was written, but nothing is stored or copied; the
      // confirmation it passes on in last's name is one last never signed.
      const lastEntry = { ...self.self, id: last.id, position: last.ringState().position! };
      return signedLie(request, self, 'ok', encodeWriteAck(storedSummary(request.record!), [{ replica: lastEntry, proof: garbageProof(self.identity) }]));
    }),
  );
  const errors: Error[] = [];
  writer.on('error', (error) => errors.push(error));
  await writer.set(key, 'stored');
  expect(acknowledged).toBeGreaterThan(0);
  expect(liar.keys().map((bytes) => new TextDecoder().decode(bytes))).not.toContain(key); // it dropped the write
  expect(errors).toContainEqual(expect.objectContaining({ name: 'ChordAnswerError', peerId: liar.id, reason: 'bad-record' }));
  expect(writer.routingTable.has(liar.id)).toBe(false);
  await expectKeptAfterLiarLeaves(writer, liar, last, key);
});

it("a key's node that acknowledges a write without copying it (no confirmations) costs the writer direct copies, and nobody is blamed", async () => {
  const { reader: writer, liar, last } = await ringOfThree();
  const key = keyBetween(writer.ringState().position!, liar.ringState().position!);
  restore.push(turnLiar(liar.id, (request, self) => (request.kind === 'set' ? signedLie(request, self, 'ok', encodeWriteAck(storedSummary(request.record!), [])) : undefined)));
  const errors: Error[] = [];
  writer.on('error', (error) => errors.push(error));
  await writer.set(key, 'stored');
  expect(errors).toEqual([]); // an ack without confirmations may be a slow replica's doing
  await expectKeptAfterLiarLeaves(writer, liar, last, key);
});

it("a write that too few of the expected replicas confirm, even sent to them directly, rejects with ChordReplicationError", async () => {
  const { reader: writer, liar, last } = await ringOfThree();
  const key = keyBetween(writer.ringState().position!, liar.ringState().position!);
  restore.push(
    turnLiar(liar.id, (request, self) => (request.kind === 'set' ? signedLie(request, self, 'ok', encodeWriteAck(storedSummary(request.record!), [])) : undefined)),
    turnSilentReplica(last.id),
  );
  // Expected: last and the writer itself (the nodes after the liar); only the writer's own copy confirms.
  await expect(writer.set(key, 'stored')).rejects.toMatchObject({ name: 'ChordReplicationError', confirmed: 1, needed: 2 });
});

it('a forged write sent through a relay stops at the relay, which drops its sender; the key\'s node never sees it', async () => {
  const { reader: relay, liar: other, last } = await ringOfThree();
  const key = keyBetween(other.ringState().position!, last.ringState().position!); // last's key, not the relay's
  await last.set(key, 'honest');
  const relayErrors: Error[] = [];
  const keyNodeErrors: Error[] = [];
  relay.on('error', (error) => relayErrors.push(error));
  last.on('error', (error) => keyNodeErrors.push(error));
  const attacker = await ChordWireAttacker.connect(relay);
  open.push(attacker);
  await waitFor(() => relay.routingTable.has(attacker.id), NET_MS, 'the attacker is linked');
  const forged = encodeRecord({ key: utf8(key), version: Date.now() + 1, writer: last.id, value: 'mallory', proof: garbageProof(attacker.wire.identity) });
  attacker.sendWrite('forged write', keyPosition(utf8(key), 16), utf8(key), forged, false);
  await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(relayErrors).toContainEqual(expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, owner: last.id, reason: 'bad-signature' }));
  expect(keyNodeErrors).toEqual([]);
  expect(await relay.get(key)).toBe('honest');
  expect(await last.get(key)).toBe('honest');
});
