/**
 * vitest runs in Node, so link proofs use Node's Ed25519 here, as web2p/node does: the large
 * simulations make thousands of links, and pure-JS signing would add minutes to them. The pure-JS
 * path browsers run is covered by test/unit/identity-proof.test.ts (both ways against this one)
 * and by every e2e test.
 */
import { setProofCrypto } from '../packages/web2p/src/mesh/identity-proof.js';
import { nativeEd25519 } from '../packages/web2p/src/node/native-ed25519.js';

setProofCrypto(nativeEd25519);
