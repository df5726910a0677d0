/** `npm run bench:engines`: bench/cross-engine.spec.ts under Playwright (it drives Firefox through puppeteer-core). */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: 'cross-engine.spec.ts',
  timeout: 900_000,
  workers: 1,
  reporter: 'list',
  outputDir: '../test-results/bench',
});
