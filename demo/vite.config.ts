import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compileHints } from 'web2p/compile-hints';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  // Chromium compiles web2p as the page loads, not during the first connection (README, Deploying).
  plugins: [compileHints()],
  // `web2p` is the built package (packages/web2p/dist through its exports), as an app that installs
  // it gets it: `npm run build` builds the library before the demo.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  // The page derives its rooms from its own origin; under `vite dev` that origin is Vite's, so the
  // rooms go on to the signaling server `npm start` runs.
  server: { proxy: { '^/(chat|dict|chord)$': { target: 'ws://127.0.0.1:8787', ws: true } } },
});
