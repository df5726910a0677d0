import { defineConfig } from '@playwright/test';
import { TOOLS, requireExecutable } from './test/executables.js';
import { CHROMIUM_ARGS, NO_MDNS_ARG } from './test/e2e/chromium-args.js';

/** The port the e2e signaling server (which also serves the harness page) listens on. */
export const E2E_PORT = 8790;
/** The port the built demo and its signaling server listen on (demo.spec.ts). */
export const DEMO_PORT = 8792;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  fullyParallel: false,
  workers: 1, // two cores: one browser at a time keeps WebRTC timings honest
  reporter: process.env.CI ? 'list' : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: {
      // CHROMIUM_PATH, else chromium on PATH; a missing one fails here in one line (executables.js).
      executablePath: requireExecutable(TOOLS.chromium),
      // Debian's Chromium as root on a closed network (shared/toolchain.md), host candidates unhidden
      args: [...CHROMIUM_ARGS, NO_MDNS_ARG],
    },
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: `npx vite build --config test/e2e/harness/vite.config.ts && node signaling-server/dist/cli.js --port ${E2E_PORT} --static test/e2e/harness/dist`,
      url: `http://127.0.0.1:${E2E_PORT}/healthz`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
    {
      command: `npm run build -w web2p-demo && node signaling-server/dist/cli.js --port ${DEMO_PORT} --static demo/dist`,
      url: `http://127.0.0.1:${DEMO_PORT}/healthz`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
