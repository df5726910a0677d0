import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // index.html: the library for the Playwright tests; simple-peer.html: simple-peer's page (with
    // Node globals the library's page goes without); bench.html: bench:browser's page.
    rollupOptions: { input: { index: `${here}index.html`, simplePeer: `${here}simple-peer.html`, bench: `${here}bench.html` } },
  },
});
