/**
 * Broadcast ids hashed with an async native SHA-256 (browsers' crypto.subtle; issue 20): our large
 * broadcasts leave in the order they were sent, with exactly py2p's ids (PROTOCOL.md §1.2), and a
 * peer's large broadcasts are checked before they are used, each link's messages kept in order. A
 * forged id is refused before it is remembered, so it cannot suppress the broadcast it names.
 *
 * The digest offered here is a promise of the pure-JS hash, settled after the code that asked for
 * it has run on, as crypto.subtle's is: the simulator's virtual clock runs ahead between real event-loop turns,
 * so a digest on a thread pool would arrive at a virtual time that depends on the machine's load.
 * That the browser's crypto.subtle gives the same ids is checked in Node's WebCrypto below and end
 * to end by bench:browser's broadcast rows.
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { flags, MeshSocket, type MeshSocketOptions } from '../../packages/web2p/src/index.js';
import { UNHASHED_WHISPERS_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import { NATIVE_DIGEST_MIN_BYTES, subtleMessageHash } from '../../packages/web2p/src/wire/message-hash.js';
import { createMessage, encodeFrame } from '../../packages/web2p/src/wire/index.js';
import { makeNet, text, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const BIG = 64 * 1024;

/** Transports that offer the native digest, counting its calls (so a test cannot pass without it). */
function nativeNodes(net: SimNetwork, count: number, options: Omit<MeshSocketOptions, 'transport'> = {}) {
  const calls = { count: 0 };
  const messageDigest = async (bytes: Uint8Array) => {
    calls.count++;
    for (let hop = 0; hop < 3; hop++) await Promise.resolve(); // after the code that asked for it, before the next virtual step
    return sha256(bytes);
  };
  const nodes = Array.from({ length: count }, () => new MeshSocket({ ...options, transport: Object.assign(net.transport(), { messageDigest }) }));
  return { nodes, calls };
}

/** Takes what `node` received until `count` messages are in, each as its label (the payload's tail after the padding). */
async function labels(net: SimNetwork, node: MeshSocket, count: number): Promise<string[]> {
  const got: string[] = [];
  await until(net, () => {
    for (const msg of node.recv(10)) got.push(text(msg.packets[1]).replace(/^x+/, ''));
    return got.length >= count;
  }, `${count} messages`);
  return got;
}

/** A body of `size` bytes that ends in `label`, so each message's payload tells which it is. */
function payload(size: number, label: string): string {
  return 'x'.repeat(size - label.length) + label;
}

describe('our broadcasts', () => {
  test('large ones are hashed natively and leave in the order sent, with their SHA-256 ids, among small ones and whispers', async () => {
    const net = makeNet();
    const { nodes, calls } = nativeNodes(net, 2);
    const [a, b] = nodes as [MeshSocket, MeshSocket];
    await b.connect(a.address);
    await until(net, () => a.routingTable.size === 1 && b.routingTable.size === 1, 'linked');
    const frames: Array<{ id: Uint8Array; body: Uint8Array }> = [];
    net.tap = (bytes) => frames.push({ id: bytes.slice(4, 36), body: bytes.slice(36) });
    const sent = ['big-1', 'small-1', 'big-2', 'whisper-1', 'big-3', 'small-2'];
    for (const label of sent) {
      if (label.startsWith('whisper')) a.send(label, { flag: flags.whisper, type: flags.whisper });
      else a.send(label.startsWith('big') ? payload(BIG, label) : label);
    }
    expect(await labels(net, b, sent.length)).toEqual(sent);
    expect(calls.count).toBeGreaterThanOrEqual(3); // the three large ones, natively
    const broadcasts = frames.filter((f) => !text(f.body).includes('whisper-1'));
    expect(broadcasts.length).toBeGreaterThanOrEqual(5);
    for (const frame of broadcasts) expect(frame.id).toEqual(sha256(frame.body));
  });
});

describe('a peer’s broadcasts', () => {
  async function markedRawPeer(net: SimNetwork, a: MeshSocket) {
    const raw = await RawPeer.connect(net, a.address);
    raw.sendPackets(flags.whisper, [flags.handshake, raw.id, a.protocol.id, ['sim', 9999], [UNHASHED_WHISPERS_MARKER]]);
    await until(net, () => a.routingTable.has(raw.id), 'raw peer joins');
    return raw;
  }

  test('a large one is checked natively and what came after it on the link waits for it', async () => {
    const net = makeNet();
    const { nodes, calls } = nativeNodes(net, 1, { trust: 'legacy' });
    const [a] = nodes as [MeshSocket];
    const raw = await markedRawPeer(net, a);
    raw.sendPackets(flags.broadcast, [flags.broadcast, payload(BIG, 'big')]);
    raw.sendPackets(flags.whisper, [flags.whisper, 'after']);
    expect(await labels(net, a, 2)).toEqual(['big', 'after']);
    expect(calls.count).toBe(1);
    expect(raw.closed).toBe(false);
  });

  test('a forged id is refused before it is remembered: the broadcast it names still arrives, and the forger is dropped', async () => {
    const net = makeNet();
    const { nodes } = nativeNodes(net, 1, { trust: 'legacy' });
    const [a] = nodes as [MeshSocket];
    const errors: Error[] = [];
    a.on('error', (error) => errors.push(error));
    const forger = await markedRawPeer(net, a);
    const honest = await markedRawPeer(net, a);
    const real = honest.message(flags.broadcast, [flags.broadcast, payload(BIG, 'real')]);
    // The forger's own body under the id of the honest peer's broadcast, then a whisper behind it.
    const forged = encodeFrame(createMessage(flags.broadcast, forger.id, real.time, [flags.broadcast, payload(BIG, 'fake')]));
    forged.set(real.id, 4);
    forger.sendBytes(forged);
    forger.sendPackets(flags.whisper, [flags.whisper, 'behind the forgery']);
    await until(net, () => forger.closed, 'the forger dropped');
    honest.sendBytes(encodeFrame(real));
    expect(await labels(net, a, 1)).toEqual(['real']);
    expect(errors.map((e) => e.message).join()).toMatch(/bad checksum/);
  });

  test('small ones are still checked in JS, at once', async () => {
    const net = makeNet();
    const { nodes, calls } = nativeNodes(net, 1, { trust: 'legacy' });
    const [a] = nodes as [MeshSocket];
    const raw = await markedRawPeer(net, a);
    raw.sendPackets(flags.broadcast, [flags.broadcast, payload(NATIVE_DIGEST_MIN_BYTES / 2, 'small')]);
    expect(await labels(net, a, 1)).toEqual(['small']);
    expect(calls.count).toBe(0);
  });
});

describe('the platform digest', () => {
  test('crypto.subtle gives py2p’s ids (the SHA-256 the pure-JS hash gives), whatever the view', async () => {
    const digest = subtleMessageHash()!;
    const buffer = new Uint8Array(BIG + 64).map((_, i) => (i * 131) & 0xff);
    for (const size of [0, 1, NATIVE_DIGEST_MIN_BYTES, BIG]) {
      const view = buffer.subarray(7, 7 + size);
      expect(await digest(view)).toEqual(sha256(view));
    }
  });
});
