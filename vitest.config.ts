import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{unit,sim,node,interop,nat,adversarial}/**/*.test.ts'],
    setupFiles: ['test/setup-native-proofs.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep file-level parallelism modest so timing-sensitive network tests stay honest.
    maxWorkers: 2,
  },
});
