/**
 * MeshSocket against js2p@0.7.870, the reference implementation, over real sockets on 127.0.0.1,
 * for each of js2p's transports: TCP ('Plaintext'), TLS ('SSL') and WebSocket ('ws').
 *
 * js2p refuses to dial a host any routing-table peer already has (PROTOCOL.md §11), so on loopback
 * a js2p node dials at most once, and only while its table is empty: in the chains below the web2p
 * nodes do the dialling, and web2p nodes take one outgoing slot so that the chain stays a chain.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolMismatchError, UnsignedPeerError, flags } from '../../packages/web2p/src/node/index.js';
import { ENCRYPTIONS, HOST, NETWORK_MS, count, js2pMesh, linked, waitFor, webMesh, type Js2pNode, type WebNode } from './js2p-helpers.js';

/** A node of either kind as the chain tests use it: what it heard, and how it broadcasts. */
interface Speaker {
  texts(): string[];
  say(text: string): void;
}
const js2p = (node: Js2pNode): Speaker => ({ texts: node.texts, say: (text) => node.sock.send([text]) });
const web = (node: WebNode): Speaker => ({ texts: node.texts, say: (text) => node.sock.send(text) });

/** Each end and the middle broadcast once; each of the three hears the other two exactly once. */
async function expectEachBroadcastOnce(left: Speaker, middle: Speaker, right: Speaker): Promise<void> {
  const named = { left, middle, right };
  for (const [name, node] of Object.entries(named)) node.say(`from ${name}`);
  // A marker sent after each message arrives after any copy of it on the same path: once every
  // marker is in, every duplicate would be too.
  for (const [name, node] of Object.entries(named)) node.say(`${name} done`);
  const others = (me: string) => Object.keys(named).filter((name) => name !== me);
  await waitFor(
    () => Object.entries(named).every(([me, node]) => others(me).every((name) => count(node, `${name} done`) > 0)),
    NETWORK_MS,
    'every broadcast everywhere',
  );
  for (const [me, node] of Object.entries(named)) {
    expect(node.texts().sort()).toEqual(others(me).flatMap((name) => [`from ${name}`, `${name} done`]).sort());
  }
}


describe.each(ENCRYPTIONS)('MeshSocket and js2p over %s', (encryption) => {
  for (const dialler of ['web2p', 'js2p'] as const) {
    it(`${dialler} dials: handshake, broadcasts both ways, replies both ways`, async () => {
      const web = await webMesh(encryption);
      const js = await js2pMesh(encryption);
      if (dialler === 'web2p') await web.sock.connect(HOST, js.port);
      else js.sock.connect(HOST, web.port);
      await waitFor(() => linked(web, js), NETWORK_MS, 'both routing tables to hold the other');

      web.sock.send('from web2p');
      js.sock.send(['from js2p']);
      await waitFor(() => count(js, 'from web2p') === 1 && count(web, 'from js2p') === 1, NETWORK_MS, 'both broadcasts');
      expect(web.heard[0]!.sender).toBe(js.id);
      expect(js.heard[0]!.sender).toBe(web.sock.id);

      // Each answers the other's broadcast; a reply is a whisper straight back.
      js.heard[0]!.reply('js2p replies');
      web.heard[0]!.reply('web2p replies');
      await waitFor(() => count(web, 'js2p replies') === 1 && count(js, 'web2p replies') === 1, NETWORK_MS, 'both replies');
      expect(web.errors).toEqual([]);
      expect(js.sock.status).toBe('Nominal');
    });
  }

  it('relays through web2p in a chain js2p – web2p – js2p, exactly once', async () => {
    const left = await js2pMesh(encryption);
    const middle = await webMesh(encryption);
    const right = await js2pMesh(encryption);
    await middle.sock.connect(HOST, left.port);
    await middle.sock.connect(HOST, right.port);
    await waitFor(() => linked(middle, left) && linked(middle, right), NETWORK_MS, 'the chain');

    await expectEachBroadcastOnce(js2p(left), web(middle), js2p(right));
    // The ends never met: js2p's relay was not involved, web2p's was.
    expect(left.sock.routing_table.has(right.id)).toBe(false);
  });

  it('is relayed by js2p in a chain web2p – js2p – web2p, exactly once', async () => {
    const left = await webMesh(encryption, { maxOutgoing: 1 });
    const middle = await js2pMesh(encryption);
    const right = await webMesh(encryption, { maxOutgoing: 1 });
    await left.sock.connect(HOST, middle.port);
    await right.sock.connect(HOST, middle.port);
    const hasPeer = (node: WebNode, other: Js2pNode) => linked(node, other);
    await waitFor(() => hasPeer(left, middle) && hasPeer(right, middle), NETWORK_MS, 'the chain');

    await expectEachBroadcastOnce(web(left), js2p(middle), web(right));
    expect(left.sock.routingTable.has(right.sock.id)).toBe(false);
  });

  it('refuses a js2p peer of another protocol that it dials: connect() rejects', async () => {
    const web = await webMesh(encryption);
    const js = await js2pMesh(encryption, 'other');
    const dialling = web.sock.connect(HOST, js.port);
    if (encryption === 'Plaintext') {
      await expect(dialling).rejects.toBeInstanceOf(ProtocolMismatchError);
    } else {
      // js2p sends its handshake once TLS or the WebSocket is up, which is when ours reaches it; it
      // then ends *and destroys* the socket, which throws away its own handshake, not yet flushed.
      // So we learn only that the peer hung up after ours, which the error names as the likely cause.
      await expect(dialling).rejects.toThrow(/protocol mismatch|closed the connection right after our handshake; it may not accept our protocol id/);
    }
    expect(web.sock.routingTable.size).toBe(0);
    expect(js.sock.routing_table.size).toBe(0);
  });

  it('refuses a js2p peer of another protocol that dials it, with a ProtocolMismatchError', async () => {
    const web = await webMesh(encryption);
    const js = await js2pMesh(encryption, 'other');
    js.sock.connect(HOST, web.port);
    await waitFor(() => web.errors.some((error) => error instanceof ProtocolMismatchError), NETWORK_MS, 'a ProtocolMismatchError');
    await waitFor(() => web.sock.awaitingIds.length === 0, NETWORK_MS, 'the link to go');
    expect(web.sock.routingTable.size).toBe(0);
    expect(js.sock.routing_table.size).toBe(0);
    expect(web.errors.every((error) => error instanceof ProtocolMismatchError)).toBe(true);
  });

  for (const dialler of ['web2p', 'js2p'] as const) {
    it(`without trust: 'legacy', refuses js2p (${dialler} dials) with an UnsignedPeerError naming it`, async () => {
      const web = await webMesh(encryption, { trust: 'strict' });
      const js = await js2pMesh(encryption);
      if (dialler === 'web2p') web.sock.connect(HOST, js.port).catch(() => {}); // refused: the error below says why
      else js.sock.connect(HOST, web.port);
      await waitFor(() => web.errors.some((error) => error instanceof UnsignedPeerError), NETWORK_MS, 'an UnsignedPeerError');
      const error = web.errors.find((e) => e instanceof UnsignedPeerError) as UnsignedPeerError;
      expect(error.peer).toBe(js.id);
      expect(error.message).toContain("trust: 'legacy'");
      await waitFor(() => web.sock.awaitingIds.length === 0, NETWORK_MS, 'the link to go');
      expect(web.sock.routingTable.size).toBe(0);
    });
  }

  it('whispers to a js2p neighbour', async () => {
    const web = await webMesh(encryption);
    const js = await js2pMesh(encryption);
    await web.sock.connect(HOST, js.port);
    await waitFor(() => linked(web, js), NETWORK_MS, 'the link');
    web.sock.send('psst', { flag: flags.whisper });
    await waitFor(() => count(js, 'psst') === 1, NETWORK_MS, 'the whisper');
  });
});
