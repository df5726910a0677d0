/**
 * A MeshSocket on WebCrypto's Ed25519, as in browsers (identity/ed25519.ts, issue 20): its key is
 * made asynchronously, so `id` waits for `ready`; its link proofs are signed and checked by promises,
 * and what a peer sends right behind its proof waits for the check instead of being dropped. Real
 * TCP between two such sockets (web2p/node's OpenSSL is swapped out for this file's process).
 */
import { afterEach, expect, it } from 'vitest';
import { useEd25519, type Ed25519 } from '../../packages/web2p/src/identity/ed25519.js';
import { createIdentity, nodeIdOf } from '../../packages/web2p/src/identity/identity.js';
import { nobleEd25519 } from '../../packages/web2p/src/identity/noble-ed25519.js';
import { webCryptoEd25519 } from '../../packages/web2p/src/identity/webcrypto-ed25519.js';
import { IdentityProofError, MeshSocket, Protocol, systemRandom, tcpTransport } from '../../packages/web2p/src/node/index.js';
import { Attacker, ownName } from '../adversarial/attacker.js';
import { waitFor } from '../contract/wait.js';
import { useWebCryptoEd25519 } from '../support/webcrypto-ed25519.js';

/** Loopback links open in milliseconds; this only bounds a failure (the machine is shared). */
const WAIT_MS = 20_000;
const protocol = new Protocol('webcrypto-identity', 'Plaintext');

useWebCryptoEd25519();

const open: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sock) => sock.close()));
});

function socket(options: ConstructorParameters<typeof MeshSocket>[0] = {}): MeshSocket {
  const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol, ...options });
  open.push(sock);
  return sock;
}

it('the id is known once ready (reading it earlier throws), derived from the key WebCrypto made', async () => {
  const sock = socket();
  expect(() => sock.id).toThrow(/await sock.ready first/);
  await sock.ready;
  expect(sock.identity.publicKey).toEqual(nobleEd25519.publicKey(sock.identity.secretKey));
  expect(sock.id).toBe(nodeIdOf(sock.identity.publicKey, protocol.id));
  await sock.listening;
});

it('two WebCrypto sockets prove their ids to each other; what is sent right behind a proof waits for its check', async () => {
  const [keyA, keyB] = [createIdentity(systemRandom), createIdentity(systemRandom)];
  // a takes a while to check b's proof (a busy tab): b, which admits a first, sends at once, and its
  // broadcast reaches a while a is still checking (it must wait, not be dropped as unproven)
  const slowAtA: Ed25519 = {
    ...webCryptoEd25519,
    verify: async (publicKey, message, signature) => {
      if (publicKey.every((byte, i) => byte === keyB.publicKey[i])) await new Promise((resolve) => setTimeout(resolve, 500));
      return webCryptoEd25519.verify(publicKey, message, signature);
    },
  };
  useEd25519(slowAtA);
  const a = socket({ identity: keyA });
  const b = socket({ identity: keyB });
  await Promise.all([a.listening, b.listening]);
  const heard: unknown[] = [];
  a.on('message', (msg) => heard.push(msg.packets.at(-1)));
  b.on('peer', () => b.send('right behind the proof'));
  await b.connect(a.address);
  await waitFor(() => heard.includes('right behind the proof'), WAIT_MS, "b's first broadcast at a");
  // in each other's routing table: proven (strict trust lets in no one else)
  expect(a.routingTable.has(b.id) && b.routingTable.has(a.id)).toBe(true);
  useEd25519(webCryptoEd25519);
});

it('a supplied identity gives the id at once; one whose public key is not its secret key\'s makes listening reject', async () => {
  const identity = createIdentity(systemRandom);
  const good = socket({ identity });
  expect(good.id).toBe(nodeIdOf(identity.publicKey, protocol.id));
  await good.listening;
  const errors: Error[] = [];
  const bad = socket({ identity: { secretKey: identity.secretKey, publicKey: createIdentity(systemRandom).publicKey } });
  bad.on('error', (error) => errors.push(error));
  await expect(bad.listening).rejects.toThrow(/not the public key of identity.secretKey/);
  expect(errors.some((error) => error instanceof TypeError)).toBe(true);
});

it('a peer proving with a key that is not the one its claimed id was derived from is refused (the id check by WebCrypto too)', async () => {
  const [a, b] = [socket(), socket()];
  await Promise.all([a.listening, b.listening]);
  const errors: Error[] = [];
  a.on('error', (error) => errors.push(error));
  const transport = tcpTransport();
  open.push(transport as unknown as MeshSocket);
  const attacker = await Attacker.dial(transport, a.address);
  attacker.handshake(b.id, protocol.id);
  attacker.hello();
  // A valid signature, by the attacker's own key: only the id check can refuse it.
  await attacker.proveAs(ownName(protocol.id).identity, protocol.id, a.id);
  await attacker.whenClosed();
  const refusal = errors.find((error): error is IdentityProofError => error instanceof IdentityProofError);
  expect(refusal?.peer).toBe(b.id);
  expect(refusal?.message).toMatch(/not the one node id .* was derived from/);
  expect(a.routingTable.has(b.id)).toBe(false);
});
