/**
 * vitest runs in Node, so sockets' keys and link proofs use Node's Ed25519 here, as web2p/node does: the large
 * simulations make thousands of links, and pure-JS signing would add minutes to them. The pure-JS
 * path browsers run is covered by test/unit/identity-proof.test.ts (both ways against this one)
 * and by every e2e test.
 */
import { useEd25519 } from '../packages/web2p/src/identity/ed25519.js';
import { nativeEd25519 } from '../packages/web2p/src/node/native-ed25519.js';

useEd25519(nativeEd25519);
