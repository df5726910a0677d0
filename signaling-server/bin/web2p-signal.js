#!/usr/bin/env node
// The committed bin of web2p-signal. npm links a workspace's bins at install time, before any build,
// and links nothing when the target is missing, so the bin cannot point into dist/ directly: this
// stub exists from the start and loads the built CLI when run.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('web2p-signal is not built yet: run `npm run build` first');
    process.exit(1);
  }
  throw error;
});
