/**
 * Attacks on node ids over real TCP on 127.0.0.1 (issue 15): a malicious peer tries to take a
 * neighbour's link, to answer a dial as someone else, to replay a proof recorded on another link,
 * and to censor broadcasts by lying about its neighbours. Each attack fails, the honest nodes keep
 * what they had, and the attacker is dropped with a typed error on the honest side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  IdentityProofError,
  MeshSocket,
  UnsignedPeerError,
  flags,
  tcpTransport,
  type Connection,
  type MeshSocketOptions,
} from '../../packages/web2p/src/node/index.js';
import { PROOF_SUBFLAG, decodeProofMessage } from '../../packages/web2p/src/mesh/identity-proof.js';
import { waitFor } from '../contract/wait.js';
import { ATTACK_MS, Attacker, ownName } from './attacker.js';

const HOST = '127.0.0.1';
const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

interface Honest {
  sock: MeshSocket;
  errors: Error[];
  texts: string[];
}

async function honest(options: MeshSocketOptions = {}): Promise<Honest> {
  const sock = new MeshSocket({ listen: { host: HOST, port: 0 }, maxOutgoing: 0, ...options });
  opened.push(sock);
  const node: Honest = { sock, errors: [], texts: [] };
  sock.on('error', (error) => node.errors.push(error));
  sock.on('message', (msg) => {
    node.texts.push(String(msg.packets.at(-1)));
    sock.recv();
  });
  await sock.listening;
  return node;
}

function attackerTransport() {
  const transport = tcpTransport();
  opened.push(transport);
  return transport;
}

async function linkedPair(options: MeshSocketOptions = {}): Promise<[Honest, Honest]> {
  const a = await honest(options);
  const b = await honest(options);
  await b.sock.connect(a.sock.address);
  await waitFor(() => a.sock.routingTable.has(b.sock.id) && b.sock.routingTable.has(a.sock.id), ATTACK_MS, 'a and b linked');
  return [a, b];
}

describe('link hijack under a neighbour’s id', () => {
  for (const trust of ['strict', 'legacy'] as const) {
    it(`repeated impostors of b (forged proofs and unsigned claims) divert none of a's whispers to b (trust: '${trust}')`, async () => {
      const [a, b] = await linkedPair({ trust });
      const original: Connection = a.sock.routingTable.get(b.sock.id)!;
      const transport = attackerTransport();
      const attackers: Attacker[] = [];
      const SENT = 200;
      let sent = 0;
      // a keeps whispering to whoever its routing table says is b, while impostors keep connecting.
      for (let round = 0; round < 10; round++) {
        const attacker = await Attacker.dial(transport, a.sock.address);
        attackers.push(attacker);
        const legacy = round % 2 === 1;
        attacker.handshake(b.sock.id, a.sock.protocol.id, { legacy });
        if (!legacy) {
          attacker.hello();
          // Signed with the attacker's own key: not the key b's id was derived from.
          await attacker.proveAs(ownName(a.sock.protocol.id).identity, a.sock.protocol.id, a.sock.id);
        }
        for (let i = 0; i < SENT / 10; i++) a.sock.routingTable.get(b.sock.id)!.send(flags.whisper, flags.whisper, `to b ${sent++}`);
        await attacker.whenClosed();
      }
      await waitFor(() => b.texts.length === SENT, ATTACK_MS, 'every whisper at b');
      const diverted = attackers.reduce((n, attacker) => n + attacker.data().length, 0);
      expect(diverted / SENT).toBe(0);
      expect(b.texts).toEqual(Array.from({ length: SENT }, (_, i) => `to b ${i}`));
      expect(a.sock.routingTable.get(b.sock.id)).toBe(original);
      // Each impostor is named in a typed error on a; b heard nothing of it.
      const refusals = a.errors.filter((error): error is IdentityProofError => error instanceof IdentityProofError);
      expect(refusals).toHaveLength(10);
      expect(refusals.every((error) => error.peer === b.sock.id)).toBe(true);
      if (trust === 'strict') expect(refusals.filter((error) => error instanceof UnsignedPeerError)).toHaveLength(5);
      expect(b.errors).toEqual([]);
    });
  }
});

describe('dial as someone else', () => {
  /**
   * A member in its own name (it proves that honestly) hands a a peer list naming b at the
   * attacker's listener, which answers a's dial as b (with a forged proof) or under its own name.
   */
  async function dialAs(answer: 'as b' | 'as itself'): Promise<{ a: Honest; b: Honest; answered: Attacker[]; listenerId: string }> {
    const a = await honest({ maxOutgoing: 4 });
    const b = await honest();
    const protocolId = a.sock.protocol.id;
    const listener = tcpTransport({ listen: { host: HOST, port: 0 } });
    opened.push(listener);
    const answered: Attacker[] = [];
    const own = ownName(protocolId);
    await listener.listen(
      (link) => {
        const attacker = new Attacker(link);
        answered.push(attacker);
        attacker.handshake(answer === 'as b' ? b.sock.id : own.id, protocolId);
        attacker.hello();
        attacker.proveAs(own.identity, protocolId, a.sock.id).catch(() => {}); // a may hang up first
      },
      { id: own.id, relaySignal: () => false },
    );
    const port = Number(new URL(listener.address!).port);
    const member = ownName(protocolId);
    const liar = await Attacker.dial(attackerTransport(), a.sock.address);
    liar.handshake(member.id, protocolId);
    liar.hello();
    await liar.proveAs(member.identity, protocolId, a.sock.id);
    await waitFor(() => a.sock.routingTable.has(member.id), ATTACK_MS, 'the liar admitted in its own name');
    liar.send(flags.whisper, [flags.peers, [[[HOST, port], b.sock.id]]]);
    await waitFor(() => answered.length === 1 && answered[0]!.closed, ATTACK_MS, 'a to dial the listener and hang up');
    return { a, b, answered, listenerId: own.id };
  }

  it('a listener answering a’s dial for b as b cannot prove it: IdentityProofError naming b', async () => {
    const { a, b, answered } = await dialAs('as b');
    const error = a.errors.find((e) => e instanceof IdentityProofError) as IdentityProofError;
    expect(error.peer).toBe(b.sock.id);
    expect(error.message).toContain('key is not the one');
    expect(a.sock.routingTable.has(b.sock.id)).toBe(false);
    expect(answered[0]!.data()).toEqual([]);
  });

  it('a listener answering a’s dial for b under another id is refused as not the id dialled', async () => {
    const { a, b, answered, listenerId } = await dialAs('as itself');
    const error = a.errors.find((e) => e instanceof IdentityProofError) as IdentityProofError;
    expect(error.peer).toBe(b.sock.id);
    expect(error.message).toContain(`answered as ${listenerId}`);
    expect(a.sock.routingTable.has(listenerId)).toBe(false);
    expect(answered[0]!.data()).toEqual([]);
  });
});

describe('replay of a proof', () => {
  it('b’s proof recorded on one link does not open another: the attacker is dropped with an IdentityProofError', async () => {
    const a = await honest();
    const b = await honest();
    const protocolId = a.sock.protocol.id;
    const transport = attackerTransport();
    // 1. Get a genuine proof from b: claim to be a on a link to b and send a hello.
    const recorder = await Attacker.dial(transport, b.sock.address);
    recorder.handshake(a.sock.id, protocolId);
    recorder.hello();
    const bNonce = await recorder.peerNonce();
    const recorded = decodeProofMessage((await recorder.peerProof()).payload);
    if (recorded.kind !== 'proof') throw new Error('expected a proof');
    recorder.link.close();
    // 2. Replay it to a as b, with b's nonce as our hello, so every field but a's own nonce matches.
    const replayer = await Attacker.dial(transport, a.sock.address);
    replayer.handshake(b.sock.id, protocolId);
    replayer.hello(bNonce);
    await replayer.peerNonce();
    replayer.proof(recorded.publicKey, recorded.signature);
    await replayer.whenClosed();
    const error = a.errors.find((e) => e instanceof IdentityProofError) as IdentityProofError;
    expect(error.peer).toBe(b.sock.id);
    expect(error.message).toContain('replayed');
    expect(a.sock.routingTable.size).toBe(0);
    expect(replayer.data()).toEqual([]);
    expect(replayer.received.filter((m) => m.payload[0] === PROOF_SUBFLAG)).toHaveLength(1); // a proved itself, and that was all
  });
});

describe('censorship by a lying neighbour list', () => {
  it('a member that lists x as its neighbour (x does not confirm) cannot make a skip x', async () => {
    const a = await honest();
    const x = await honest();
    await x.sock.connect(a.sock.address);
    await waitFor(() => a.sock.routingTable.has(x.sock.id), ATTACK_MS, 'x linked to a');
    const protocolId = a.sock.protocol.id;
    const member = ownName(protocolId);
    const liar = await Attacker.dial(attackerTransport(), a.sock.address);
    liar.handshake(member.id, protocolId, { neighbourUpdates: true });
    liar.hello();
    await liar.proveAs(member.identity, protocolId, a.sock.id);
    await waitFor(() => a.sock.routingTable.has(member.id), ATTACK_MS, 'the liar admitted in its own name');
    // "x is my neighbour, I send it everything myself": a lie.
    liar.send(flags.whisper, [flags.peers, [[['127.0.0.1', 9], x.sock.id]]]);
    for (let i = 0; i < 5; i++) liar.send(flags.broadcast, [flags.broadcast, `liar says ${i}`]);
    // a relays a broadcast before it hands it to its own listeners: once a has heard all five, what
    // it passed on to x is on the way, ahead of a's own broadcast on the same link.
    await waitFor(() => a.texts.length === 5, ATTACK_MS, 'the liar’s broadcasts at a');
    a.sock.send('a says');
    await waitFor(() => x.texts.includes('a says'), ATTACK_MS, 'a’s broadcast at x');
    expect(x.texts.filter((t) => t.startsWith('liar says'))).toEqual([0, 1, 2, 3, 4].map((i) => `liar says ${i}`));
  });
});
