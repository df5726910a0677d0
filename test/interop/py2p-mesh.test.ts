/**
 * MeshSocket against the real py2p 0.7.870 (Debian's Python running the copy inside js2p's npm
 * package) and a py2p speaking 0.7.878's bin-typed handshake, over TCP and TLS on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { HandshakeRefusedError, ProtocolMismatchError, flags, type Packet } from '../../packages/web2p/src/node/index.js';
import { HOST, NETWORK_MS, count, waitFor, webMesh, type WebNode } from './js2p-helpers.js';
import { DIALECTS, PY2P_ENCRYPTIONS, heardCount, linkedPy, py2pMesh, until } from './py2p/py2p-helpers.js';
import type { Py2pNode } from './py2p/py2p-peer.js';

/** A node of either kind as the chain tests use it. */
interface Speaker {
  say(text: string): Promise<unknown> | void;
  count(text: string): Promise<number>;
  /** Each message heard: its last packet as text, and its date in seconds. */
  heard(): Promise<{ text: string; time: number }[]>;
  /**
   * Whether one broadcast of this node is one message per link: py2p's MeshSocket.send calls each
   * link's send, which dates its own copy (getUTC()), and the date is part of the id. When the
   * loop crosses a second, two neighbours get two messages with two ids, and both reach everyone:
   * py2p's own nodes take both too. web2p dates a broadcast once.
   */
  datesEachLink: boolean;
}
/** A heard message as the chain tests compare it: its last packet as text, and its date. */
const textAndTime = (h: { packets: unknown[]; time: number }) => ({ text: String(h.packets[h.packets.length - 1]), time: h.time });
const py = (node: Py2pNode): Speaker => ({
  say: (text) => node.send([text]),
  count: (text) => heardCount(node, text),
  heard: async () => (await node.state()).heard.map(textAndTime),
  datesEachLink: true,
});
const web = (node: WebNode): Speaker => ({
  say: (text) => void node.sock.send(text),
  count: async (text) => count(node, text),
  heard: async () => node.heard.map(textAndTime),
  datesEachLink: false,
});

/**
 * Each of three nodes broadcasts once; each hears the other two, every message exactly once. A
 * py2p broadcast whose per-link copies were dated a second apart is two messages (see
 * `datesEachLink`), each heard once: CI saw that about once in seven runs.
 */
async function expectEachBroadcastOnce(named: Record<'left' | 'middle' | 'right', Speaker>): Promise<void> {
  for (const [name, node] of Object.entries(named)) await node.say(`from ${name}`);
  // A marker after each message arrives after any copy of it on the same path: once every marker
  // is in, every duplicate would be too.
  for (const [name, node] of Object.entries(named)) await node.say(`${name} done`);
  const others = (me: string) => Object.keys(named).filter((name) => name !== me);
  const allIn = async () => {
    for (const [me, node] of Object.entries(named)) for (const name of others(me)) if ((await node.count(`${name} done`)) === 0) return false;
    return true;
  };
  await until(allIn, NETWORK_MS, 'every broadcast everywhere');
  const speakerOf = (text: string) => named[text.replace(/^from | done$/g, '') as keyof typeof named];
  for (const [me, node] of Object.entries(named)) {
    const heard = await node.heard();
    const texts = [...new Set(heard.map((h) => h.text))];
    expect(texts.sort()).toEqual(others(me).flatMap((name) => [`from ${name}`, `${name} done`]).sort());
    const messages = heard.map((h) => `${h.text} @${h.time}`);
    expect(messages, `${me} heard a message twice`).toEqual([...new Set(messages)]);
    for (const text of texts) {
      if (!speakerOf(text).datesEachLink) expect(heard.filter((h) => h.text === text), `${me} heard '${text}'`).toHaveLength(1);
    }
  }
}

/** Text that zlib shrinks a lot, so that compressed frames are what travels. */
const BULKY = 'compress me '.repeat(500);

/** One value of every msgpack type, as both sides must see it. */
const EVERY_TYPE: Packet[] = [
  null,
  true,
  false,
  0,
  127,
  -32,
  65_535,
  -2_147_483_648,
  2 ** 40,
  1.5,
  'str ✓',
  new Uint8Array([0, 1, 254, 255]),
  [1, 'two', [3]],
  { key: 'value', nested: { n: 1 } },
];

describe.each(DIALECTS)('MeshSocket and py2p (%s dialect)', (dialect) => {
  describe.each(PY2P_ENCRYPTIONS)('over %s', (encryption) => {
    for (const dialler of ['web2p', 'py2p'] as const) {
      it(`${dialler} dials: link, every msgpack type both ways, replies both ways`, async () => {
        const web = await webMesh(encryption);
        const py = await py2pMesh(dialect, encryption);
        if (dialler === 'web2p') await web.sock.connect(HOST, py.port);
        else await py.connect(HOST, web.port);
        await until(() => linkedPy(web, py), NETWORK_MS, 'both routing tables to hold the other');

        web.sock.send(...EVERY_TYPE, 'from web2p');
        await py.send([...EVERY_TYPE, 'from py2p']);
        await waitFor(() => count(web, 'from py2p') === 1, NETWORK_MS, 'py2p broadcast');
        await until(async () => (await heardCount(py, 'from web2p')) === 1, NETWORK_MS, 'web2p broadcast');
        expect(web.heard[0]!.packets).toEqual([...EVERY_TYPE, 'from py2p']);
        expect(web.heard[0]!.sender).toBe(py.id);
        const pyHeard = (await py.state()).heard;
        expect(pyHeard[0]!.packets).toEqual([...EVERY_TYPE, 'from web2p']);
        expect(pyHeard[0]!.sender).toBe(web.sock.id);

        await py.reply(0, ['py2p replies']);
        web.heard[0]!.reply('web2p replies');
        await waitFor(() => count(web, 'py2p replies') === 1, NETWORK_MS, 'py2p reply');
        await until(async () => (await heardCount(py, 'web2p replies')) === 1, NETWORK_MS, 'web2p reply');
        expect(web.errors).toEqual([]);
        expect((await py.state()).status).toBe('Nominal');
      });
    }

    it('links py2p – web2p – py2p, and py2p dials the peer web2p listed: each broadcast once', async () => {
      const left = await py2pMesh(dialect, encryption);
      const middle = await webMesh(encryption);
      const right = await py2pMesh(dialect, encryption);
      await middle.sock.connect(HOST, left.port);
      await middle.sock.connect(HOST, right.port);
      await until(async () => (await linkedPy(middle, left)) && (await linkedPy(middle, right)), NETWORK_MS, 'the chain');
      // py2p dials every peer a peer list offers it while it has fewer than 4 outgoing links (§4.7),
      // so the second end dials the first from web2p's list: a triangle, not a chain.
      await until(async () => (await right.state()).peers.includes(left.id), NETWORK_MS, 'the ends to meet');
      await expectEachBroadcastOnce({ left: py(left), middle: web(middle), right: py(right) });
    });

    it('is relayed by py2p in a chain web2p – py2p – web2p, exactly once', async () => {
      const left = await webMesh(encryption, { maxOutgoing: 1 });
      const middle = await py2pMesh(dialect, encryption);
      const right = await webMesh(encryption, { maxOutgoing: 1 });
      await left.sock.connect(HOST, middle.port);
      await right.sock.connect(HOST, middle.port);
      await until(async () => (await linkedPy(left, middle)) && (await linkedPy(right, middle)), NETWORK_MS, 'the chain');
      await expectEachBroadcastOnce({ left: web(left), middle: py(middle), right: web(right) });
      expect(left.sock.routingTable.has(right.sock.id)).toBe(false);
    });

    it('replies to a py2p sender it is not connected to, found through a py2p neighbour (web2p – py2p – py2p)', async () => {
      const web = await webMesh(encryption, { maxOutgoing: 1 });
      const middle = await py2pMesh(dialect, encryption);
      const far = await py2pMesh(dialect, encryption);
      await far.connect(HOST, middle.port);
      const bothHold = async (a: Py2pNode, b: Py2pNode) => (await a.state()).peers.includes(b.id) && (await b.state()).peers.includes(a.id);
      await until(() => bothHold(middle, far), NETWORK_MS, 'py2p – py2p');
      // middle sent far its peer list before web2p came, so far never hears of web2p; web2p's one
      // outgoing slot is taken by middle: a chain.
      await web.sock.connect(HOST, middle.port);
      await until(() => linkedPy(web, middle), NETWORK_MS, 'web2p – py2p');
      await far.send(['from far']);
      await waitFor(() => count(web, 'from far') === 1, NETWORK_MS, 'the broadcast from far');
      expect(web.sock.routingTable.has(far.id)).toBe(false);
      // py2p's neighbour looks the sender up by its msgpack type: the request must carry it as bin.
      await web.heard[0]!.reply('routed reply');
      await until(async () => (await heardCount(far, 'routed reply')) === 1, NETWORK_MS, 'the routed reply at far');
    });

    it('whispers both ways', async () => {
      const web = await webMesh(encryption);
      const py = await py2pMesh(dialect, encryption);
      await web.sock.connect(HOST, py.port);
      await until(() => linkedPy(web, py), NETWORK_MS, 'the link');
      web.sock.send('psst from web2p', { flag: flags.whisper, type: flags.whisper });
      await py.send(['psst from py2p'], { flag: flags.whisper, type: flags.whisper });
      await waitFor(() => count(web, 'psst from py2p') === 1, NETWORK_MS, 'the py2p whisper');
      await until(async () => (await heardCount(py, 'psst from web2p')) === 1, NETWORK_MS, 'the web2p whisper');
    });

    it('negotiates compression, follows a renegotiation, and reads a message py2p sent compressed the old way', async () => {
      const web = await webMesh(encryption);
      const py = await py2pMesh(dialect, encryption);
      await web.sock.connect(HOST, py.port);
      await until(() => linkedPy(web, py), NETWORK_MS, 'the link');
      const conn = web.sock.routingTable.get(py.id)!;
      // py2p lists what its Python has (snappy, zlib, gzip, bz2, lzma); we take zlib from it.
      expect(conn.compression).toEqual(expect.arrayContaining([flags.zlib, flags.gzip]));
      expect((await py.compression())[0]).toEqual(expect.arrayContaining([flags.zlib, flags.gzip]));
      web.sock.send(BULKY, 'bulky from web2p');
      await py.send([BULKY, 'bulky from py2p']);
      await until(async () => (await heardCount(py, 'bulky from web2p')) === 1, NETWORK_MS, 'a zlib frame at py2p');
      await waitFor(() => count(web, 'bulky from py2p') === 1, NETWORK_MS, 'a zlib frame from py2p');

      // gzip only: we follow, and py2p reads our gzip.
      await py.renegotiate([flags.gzip]);
      await waitFor(() => conn.compression.join() === String(flags.gzip), NETWORK_MS, 'our list for py2p to be [gzip]');
      web.sock.send(BULKY, 'gzip from web2p');
      await until(async () => (await heardCount(py, 'gzip from web2p')) === 1, NETWORK_MS, 'a gzip frame at py2p');

      // [] then at once a message still zlib-compressed (py2p's own list for us has not changed):
      // it fails the checksum read as uncompressed, and is read with the previous method instead.
      await py.renegotiate([], [BULKY, 'zlib after []']);
      await waitFor(() => count(web, 'zlib after []') === 1, NETWORK_MS, 'the message sent compressed after []');
      web.sock.send(BULKY, 'plain from web2p');
      await until(async () => (await heardCount(py, 'plain from web2p')) === 1, NETWORK_MS, 'an uncompressed frame at py2p');
      expect(web.errors).toEqual([]);
      expect(web.sock.routingTable.get(py.id)).toBe(conn);
      expect((await py.state()).status).toBe('Nominal');
    });

    it('refuses a py2p peer of another subnet that it dials: connect() rejects with ProtocolMismatchError', async () => {
      const web = await webMesh(encryption);
      const py = await py2pMesh(dialect, encryption, 'other');
      await expect(web.sock.connect(HOST, py.port)).rejects.toBeInstanceOf(ProtocolMismatchError);
      await until(async () => (await py.state()).awaiting === 0, NETWORK_MS, 'py2p to hang up');
      expect(web.sock.routingTable.size).toBe(0);
      expect((await py.state()).peers).toEqual([]);
    });

    it('refuses a py2p peer of another subnet that dials it, with a ProtocolMismatchError', async () => {
      const web = await webMesh(encryption);
      const py = await py2pMesh(dialect, encryption, 'other');
      await py.connect(HOST, web.port);
      await waitFor(() => web.errors.some((error) => error instanceof ProtocolMismatchError), NETWORK_MS, 'a ProtocolMismatchError');
      await waitFor(() => web.sock.awaitingIds.length === 0, NETWORK_MS, 'the link to go');
      await until(async () => (await py.state()).awaiting === 0, NETWORK_MS, 'py2p to hang up');
      expect(web.sock.routingTable.size).toBe(0);
      expect((await py.state()).peers).toEqual([]);
    });
  });

  it('refuses a py2p peer of the other encryption: the error names the protocol as the likely cause', async () => {
    const web = await webMesh('Plaintext');
    const py = await py2pMesh(dialect, 'SSL');
    const refused = web.sock.connect(HOST, py.port);
    await expect(refused).rejects.toBeInstanceOf(HandshakeRefusedError);
    await expect(refused).rejects.toThrow(/closed the connection right after our handshake; it may not accept our protocol id: check that both sides use the same Protocol\(subnet, encryption\)/);
    expect(web.sock.routingTable.size).toBe(0);
    expect((await py.state()).peers).toEqual([]);
  });

  it('refuses a py2p peer of the other encryption that dials it, with a ProtocolMismatchError naming TLS', async () => {
    const web = await webMesh('Plaintext');
    const py = await py2pMesh(dialect, 'SSL');
    await expect(py.connect(HOST, web.port)).rejects.toThrow(/SSL|TLS/); // py2p's TLS handshake fails
    await waitFor(() => web.errors.length > 0, NETWORK_MS, 'an error at web2p');
    expect(web.errors[0]).toBeInstanceOf(ProtocolMismatchError);
    expect(web.errors[0]!.message).toMatch(/the peer speaks TLS, an SSL protocol/);
    await waitFor(() => web.sock.awaitingIds.length === 0, NETWORK_MS, 'the link to go');
    expect((await py.state()).peers).toEqual([]);
  });
});

/**
 * Held for longer than web2p's peer refresh: web2p asks idle neighbours for peers 5 s after it
 * starts and every 30 s after (PEER_REFRESH_MS), and py2p 0.7.870 answered a str '*' with
 * renegotiate, which used to cost the link. Once, on TCP, to keep CI time down: it waits for
 * web2p's own second request, not for a fixed time.
 */
it('keeps a link with py2p 0.7.870 across web2p\'s periodic peer requests', { timeout: 90_000 }, async () => {
  const requests: string[] = [];
  const web = await webMesh('Plaintext', {
    debugLevel: 4,
    log: (line) => void (/sending whisper \w+ \[8, (bin\(1\)|"\*")\]/.test(line) && requests.push(line)),
  });
  const py = await py2pMesh('870', 'Plaintext');
  const disconnects: string[] = [];
  web.sock.on('disconnect', (id) => disconnects.push(id));
  await web.sock.connect(HOST, py.port);
  await until(() => linkedPy(web, py), NETWORK_MS, 'the link');
  const conn = web.sock.routingTable.get(py.id)!;
  await waitFor(() => requests.length >= 2, 60_000, 'two periodic peer requests from web2p');
  web.sock.send('still here');
  await until(async () => (await heardCount(py, 'still here')) === 1, NETWORK_MS, 'a broadcast after the requests');
  expect(disconnects).toEqual([]);
  expect(web.sock.routingTable.get(py.id)).toBe(conn);
  expect(web.errors).toEqual([]);
  expect((await py.state()).status).toBe('Nominal');
});
