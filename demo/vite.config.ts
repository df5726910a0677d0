import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  // `web2p` is the library's source, as the e2e harness imports it, so `npm run build -w web2p-demo`
  // alone builds the demo (Playwright's webServer relies on that).
  resolve: { alias: { web2p: fileURLToPath(new URL('../packages/web2p/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  // The page derives its rooms from its own origin; under `vite dev` that origin is Vite's, so the
  // rooms go on to the signaling server `npm start` runs.
  server: { proxy: { '^/(chat|dict|chord)$': { target: 'ws://127.0.0.1:8787', ws: true } } },
});
