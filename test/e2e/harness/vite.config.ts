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
    // The library's page, and simple-peer's (with Node globals that the library's page goes without).
    rollupOptions: { input: { main: `${here}index.html`, simplePeer: `${here}simple-peer.html` } },
  },
});
