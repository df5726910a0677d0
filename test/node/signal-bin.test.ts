/**
 * The README's commands in the repository itself: after `npm install && npm run build`,
 * `npx web2p-signal` runs the workspace's server (npm links the committed bin stub at install time;
 * a bin pointing into dist/ was linked to nothing, as dist/ did not exist yet).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npx web2p-signal --help prints the usage in the repository', async () => {
  // --no-install: only the workspace's own linked bin may answer, never a download.
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'web2p-signal', '--help'], { cwd: ROOT });
  expect(stdout).toContain('usage: web2p-signal');
  expect(stdout).toContain('--redis URL');
});
