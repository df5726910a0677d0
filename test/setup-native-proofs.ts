/**
 * vitest runs in Node, so sockets' keys and link proofs use Node's Ed25519 here, as web2p/node
 * does: the large simulations make thousands of links, and pure-JS signing would add minutes to
 * them. The other two (identity/ed25519.ts) are covered against this one by
 * test/unit/identity-proof.test.ts; WebCrypto's, which a browser MeshSocket alone uses, by
 * test/node/webcrypto-identity.test.ts and the WebCrypto test of test/e2e/webrtc-mesh.spec.ts;
 * @noble/curves', which the e2e harness bundles (with SyncSocket), by every other e2e test.
 */
import { useEd25519 } from '../packages/web2p/src/identity/ed25519.js';
import { nativeEd25519 } from '../packages/web2p/src/node/native-ed25519.js';

useEd25519(nativeEd25519);
