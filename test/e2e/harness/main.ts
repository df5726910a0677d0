/**
 * The library as a browser bundle for the Playwright tests: they drive it through `window.web2p`
 * with `page.evaluate`, so every test runs the real code in real Chromium.
 */
import * as web2p from '../../../packages/web2p/src/index.js';
import * as sim from '../../../packages/web2p/src/sim/index.js';
import * as store from '../../../packages/web2p/src/store/index.js';
import * as wire from '../../../packages/web2p/src/wire/index.js';

declare global {
  interface Window {
    web2p: typeof web2p & typeof wire & { sim: typeof sim; store: typeof store };
  }
}

window.web2p = { ...wire, ...web2p, sim, store };
document.getElementById('status')!.textContent = 'ready';
