/**
 * Issue 13 "Also": without Chromium or redis-server the tests say in one line what is missing and
 * how to install it, at once, instead of a spawn error or a timeout; the paths come from PATH or
 * CHROMIUM_PATH / REDIS_SERVER.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { TOOLS, requireExecutable } from '../executables.js';
import { startRedis } from '../redis-server.js';

/** A PATH with node on it and nothing else (no chromium, no redis-server, which share node's /usr/bin here). */
const BARE_PATH = mkdtempSync(join(tmpdir(), 'web2p-bare-path-'));
symlinkSync(process.execPath, join(BARE_PATH, 'node'));
afterAll(() => rmSync(BARE_PATH, { recursive: true, force: true }));
const saved = { PATH: process.env.PATH, REDIS_SERVER: process.env.REDIS_SERVER };

afterEach(() => {
  Object.assign(process.env, saved);
  if (saved.REDIS_SERVER === undefined) delete process.env.REDIS_SERVER;
});

test('redis-server missing from PATH: startRedis rejects at once with the install command', async () => {
  process.env.PATH = BARE_PATH;
  delete process.env.REDIS_SERVER;
  const started = Date.now();
  await expect(startRedis()).rejects.toThrow(/^redis-server is missing: .*`apt-get install redis-server`.*REDIS_SERVER/);
  expect(Date.now() - started).toBeLessThan(1_000);
});

test('an environment variable names the program; a wrong one is reported as such', () => {
  const found = requireExecutable(TOOLS.redisServer);
  expect(requireExecutable(TOOLS.redisServer, { REDIS_SERVER: found, PATH: '' })).toBe(found);
  expect(() => requireExecutable(TOOLS.chromium, { CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(
    'CHROMIUM_PATH=/nonexistent/chromium is not an executable file',
  );
});

test('Chromium missing: Playwright stops with one line naming it and the install command', () => {
  const cli = new URL('../../node_modules/@playwright/test/cli.js', import.meta.url);
  const run = spawnSync(process.execPath, [cli.pathname, 'test', '--list'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, PATH: BARE_PATH, CHROMIUM_PATH: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).not.toBe(0);
  expect(run.stdout + run.stderr).toMatch(/chromium is missing: .*`apt-get install chromium`.*CHROMIUM_PATH/);
});
