/**
 * Whispers without their id between web2p peers (PROTOCOL.md §14.11, issue 20 item 2): a whisper is
 * neither deduplicated nor relayed, so its id protects nothing; hashing a large one cost more than
 * encoding it. Broadcasts keep their checked ids, and py2p/js2p peers (no marker) get real ids.
 */
import { describe, expect, test } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { flags, type MeshSocket } from '../../packages/web2p/src/index.js';
import { UNHASHED_WHISPERS_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { createMessage, encodeFrame } from '../../packages/web2p/src/wire/index.js';
import { makeNet, meshNodes, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const ZERO_ID = new Uint8Array(32);

/** Every frame on the simulated wire, as [id, body] (no decoding, so nothing is checked). */
function tapFrames(net: ReturnType<typeof makeNet>): Array<{ id: Uint8Array; body: Uint8Array }> {
  const frames: Array<{ id: Uint8Array; body: Uint8Array }> = [];
  net.tap = (bytes) => frames.push({ id: bytes.slice(4, 36), body: bytes.slice(36) });
  return frames;
}

const carrying = (frames: ReturnType<typeof tapFrames>, marker: string) =>
  frames.filter((f) => new TextDecoder().decode(f.body).includes(marker));

describe('between web2p peers that compress nothing', () => {
  test('a whisper goes with a zero id and arrives; a broadcast keeps its SHA-256 id', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2) as [MeshSocket, MeshSocket];
    await b.connect(a.address);
    const frames = tapFrames(net);
    a.send('quiet', { flag: flags.whisper, type: flags.whisper });
    a.send('loud');
    await net.run(1_000);
    expect(b.recv(10).map((m) => m.packets[1])).toEqual(['quiet', 'loud']);
    const [whisper] = carrying(frames, 'quiet');
    const [broadcast] = carrying(frames, 'loud');
    expect(whisper!.id).toEqual(ZERO_ID);
    expect(broadcast!.id).toEqual(sha256(broadcast!.body));
  });

  test('a socket whose list names a compression method hashes its whispers: the peer needs the checksum to tell plain from compressed', async () => {
    const net = makeNet();
    const [a] = meshNodes(net, 1, { compression: [flags.zlib] }) as [MeshSocket];
    const [b] = meshNodes(net, 1) as [MeshSocket]; // compresses nothing, so a's frames go plain
    await b.connect(a.address);
    const frames = tapFrames(net);
    a.send('quiet', { flag: flags.whisper, type: flags.whisper });
    await net.run(1_000);
    expect(b.recv(10).map((m) => m.packets[1])).toEqual(['quiet']);
    const [whisper] = carrying(frames, 'quiet');
    expect(whisper!.id).toEqual(sha256(whisper!.body));
  });
});

describe('with peers that check every id (py2p, js2p, older web2p: no marker)', () => {
  test('whispers to them carry their SHA-256 id', async () => {
    const net = makeNet();
    const [a] = meshNodes(net, 1, { trust: 'legacy' }) as [MeshSocket]; // the raw peer cannot prove an id
    const raw = await RawPeer.connect(net, a.address);
    raw.handshake(a.protocol.id);
    await until(net, () => a.routingTable.size === 1, 'raw peer joins');
    const frames = tapFrames(net);
    a.send('to a checker', { flag: flags.whisper, type: flags.whisper });
    await until(net, () => raw.received.some((m) => m.payload[1] === 'to a checker'), 'the whisper');
    const [whisper] = carrying(frames, 'to a checker');
    expect(whisper!.id).toEqual(sha256(whisper!.body));
  });
});

describe('what a web2p socket receives from a peer that compresses nothing', () => {
  async function rawPeerWithMarker() {
    const net = makeNet();
    const [a] = meshNodes(net, 1, { trust: 'legacy' }) as [MeshSocket]; // the raw peer cannot prove an id
    const raw = await RawPeer.connect(net, a.address);
    raw.sendPackets(flags.whisper, [flags.handshake, raw.id, a.protocol.id, ['sim', 9999], [UNHASHED_WHISPERS_MARKER]]);
    await until(net, () => a.routingTable.size === 1, 'raw peer joins');
    return { net, a, raw };
  }

  /** A frame of `type` whose id is all zeros. */
  function zeroIdFrame(raw: RawPeer, type: number, text: string): Uint8Array {
    const frame = encodeFrame(createMessage(type, raw.id, raw.nowSeconds(), [type === flags.whisper ? flags.whisper : flags.broadcast, text]));
    frame.fill(0, 4, 36);
    return frame;
  }

  test('a whisper with a zero id is taken', async () => {
    const { net, a, raw } = await rawPeerWithMarker();
    raw.sendBytes(zeroIdFrame(raw, flags.whisper, 'no id'));
    await net.run(1_000);
    expect(a.recv(10).map((m) => m.packets[1])).toEqual(['no id']);
    expect(raw.closed).toBe(false);
  });

  test('a broadcast with a zero id is refused and its sender dropped: a forged id could suppress another peer’s broadcast', async () => {
    const { net, a, raw } = await rawPeerWithMarker();
    const errors: Error[] = [];
    a.on('error', (error) => errors.push(error));
    raw.sendBytes(zeroIdFrame(raw, flags.broadcast, 'forged'));
    await net.run(1_000);
    expect(a.recv(10)).toEqual([]);
    expect(errors.map((e) => e.message).join()).toMatch(/bad checksum/);
    await until(net, () => raw.closed, 'the forger dropped');
  });
});
