import { describe, expect, it } from 'vitest';
import { createIdentity, identityFromSecretKey, nodeIdOf, ownsNodeId, sign, verifySignature } from '../../packages/web2p/src/identity/identity.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { isValidNodeId } from '../../packages/web2p/src/wire/node-id.js';
import { utf8 } from '../../packages/web2p/src/wire/packet.js';

describe('identity', () => {
  const random = new SeededRandom(7);

  it('derives a py2p-format node id from the public key and the protocol', () => {
    const me = createIdentity(random);
    const id = nodeIdOf(me.publicKey, 'proto-a');
    expect(isValidNodeId(id)).toBe(true);
    expect(ownsNodeId(me.publicKey, id, 'proto-a')).toBe(true);
    expect(ownsNodeId(me.publicKey, id, 'proto-b')).toBe(false);
    expect(ownsNodeId(createIdentity(random).publicKey, id, 'proto-a')).toBe(false);
  });

  it('is the same node again from its secret key', () => {
    const me = createIdentity(random);
    const again = identityFromSecretKey(me.secretKey);
    expect(nodeIdOf(again.publicKey, 'p')).toBe(nodeIdOf(me.publicKey, 'p'));
    expect(() => identityFromSecretKey(new Uint8Array(31))).toThrow(TypeError);
  });

  it('verifies its own signatures and nothing else, without throwing on garbage', () => {
    const me = createIdentity(random);
    const other = createIdentity(random);
    const message = utf8('hello');
    const signature = sign(me, message);
    expect(verifySignature(me.publicKey, message, signature)).toBe(true);
    expect(verifySignature(other.publicKey, message, signature)).toBe(false);
    expect(verifySignature(me.publicKey, utf8('hellO'), signature)).toBe(false);
    const flipped = signature.slice();
    flipped[5]! ^= 1;
    expect(verifySignature(me.publicKey, message, flipped)).toBe(false);
    expect(verifySignature(new Uint8Array(32).fill(255), message, signature)).toBe(false);
    expect(verifySignature(me.publicKey, message, new Uint8Array(3))).toBe(false);
  });
});
