/**
 * Finds the programs the tests drive (Chromium, Firefox, redis-server): the environment variable when it is
 * set, else the first match on PATH, never only Debian's /usr/bin. When one is missing the caller
 * gets one line saying what and how to install it, instead of a spawn error or a timeout later.
 * Plain JS so that playwright.config.ts, test/ and bench/ share it; types in executables.d.ts.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What the tests need, under which names, and how a Debian machine gets it (as .ci/run does). */
export const TOOLS = {
  chromium: { names: ['chromium', 'chromium-browser'], envVar: 'CHROMIUM_PATH', install: 'apt-get install chromium' },
  firefox: { names: ['firefox-esr', 'firefox'], envVar: 'FIREFOX_PATH', install: 'apt-get install firefox-esr' },
  redisServer: { names: ['redis-server'], envVar: 'REDIS_SERVER', install: 'apt-get install redis-server' },
};

/** The tool's path; throws an Error of one line when it is not there. */
export function requireExecutable(tool, env = process.env) {
  const configured = env[tool.envVar];
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new Error(`${tool.envVar}=${configured} is not an executable file: point it at ${tool.names[0]}, or unset it to search PATH`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of tool.names) {
      const candidate = join(dir, name);
      if (dir && isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(
    `${tool.names[0]} is missing: the tests need it. Install it (\`${tool.install}\`), put it on PATH, or set ${tool.envVar} to its path`,
  );
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
