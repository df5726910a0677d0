/**
 * The library as a browser bundle for the Playwright tests: they drive it through `window.web2p`
 * with `page.evaluate`, so every test runs the real code in real Chromium.
 */
import * as web2p from '../../../packages/web2p/src/index.js';
import * as sim from '../../../packages/web2p/src/sim/index.js';
import * as store from '../../../packages/web2p/src/store/index.js';
import * as streams from '../../../packages/web2p/src/streams/index.js';
import * as wire from '../../../packages/web2p/src/wire/index.js';
import { useEd25519 } from '../../../packages/web2p/src/identity/ed25519.js';
import { webCryptoEd25519 } from '../../../packages/web2p/src/identity/webcrypto-ed25519.js';

declare global {
  interface Window {
    web2p: typeof web2p & typeof wire & typeof streams & { sim: typeof sim; store: typeof store; ed25519: { useEd25519: typeof useEd25519; webCryptoEd25519: typeof webCryptoEd25519 } };
  }
}

// This page bundles SyncSocket, so sockets make their keys with @noble/curves (identity/ed25519.ts);
// `ed25519` lets a test switch to WebCrypto, as a MeshSocket-only app has it.
window.web2p = { ...wire, ...web2p, ...streams, sim, store, ed25519: { useEd25519, webCryptoEd25519 } };
document.getElementById('status')!.textContent = 'ready';
