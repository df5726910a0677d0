import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compileHints } from 'web2p/compile-hints';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  logLevel: 'warn',
  // The build the README recommends: V8 compiles web2p's chunk as it loads, not at the first
  // connection. simple-peer's chunk gets the same, so every system in bench:browser is built alike.
  // WEB2P_NO_COMPILE_HINTS=1 builds without, to measure what the cold code costs.
  plugins: process.env.WEB2P_NO_COMPILE_HINTS === '1' ? [] : [compileHints({ otherModules: /[\\/]node_modules[\\/]simple-peer[\\/]/ })],
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
