// The packages as a user gets them (`npm test` runs this after the build): packs each workspace
// (prepack builds), lints the tarballs (publint --strict, arethetypeswrong's esm-only profile),
// installs them into an empty project with --omit=optional from the npm cache, and there imports
// every entry point, checks that WebRTC in Node without node-datachannel and a disk store without
// classic-level fail with MissingPackageError, type-checks the examples and entry-points.ts (the Node ones without the
// DOM lib), asks the language service what an editor shows on hover over MeshSocket, builds the browser examples with Vite, runs the shared-state example, and runs
// `npx web2p-signal --help`. Exits non-zero with the failing step's output on the first failure.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name) => join(repo, 'node_modules', '.bin', name);
/** Packages the examples need beside web2p, at the versions the repository's lockfile installed. */
const EXAMPLE_DEPENDENCIES = ['react', 'react-dom', '@types/react', '@types/react-dom', '@types/node'];

const work = mkdtempSync(join(tmpdir(), 'web2p-package-check-'));
const packs = join(work, 'packs');
const app = join(work, 'app');

function run(step, command, args, options = {}) {
  const started = Date.now();
  try {
    const output = execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', ...options });
    console.log(`ok   ${step} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return output;
  } catch (error) {
    console.error(`FAIL ${step}: ${command} ${args.join(' ')}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    console.error(`(left in ${work})`);
    process.exit(1);
  }
}

function expect(step, condition, detail) {
  if (condition) return console.log(`ok   ${step}`);
  console.error(`FAIL ${step}: ${detail}\n(left in ${work})`);
  process.exit(1);
}

// 1. Pack, and lint the tarballs.
mkdirSync(packs);
run('npm pack (prepack builds)', 'npm', ['pack', '-w', 'web2p', '-w', 'web2p-signal', '--pack-destination', packs, '--silent'], { cwd: repo });
const tarballs = readdirSync(packs).map((name) => join(packs, name));
for (const tarball of tarballs) {
  run(`publint --strict ${tarball}`, bin('publint'), ['run', tarball, '--strict']);
  run(`attw --profile esm-only ${tarball}`, bin('attw'), [tarball, '--profile', 'esm-only', '--no-emoji', '--no-color']);
}

// 2. An empty project installs them as a user would, without optional dependencies.
const version = (name) => JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;
cpSync(join(repo, 'examples'), join(app, 'examples'), { recursive: true });
cpSync(fileURLToPath(new URL('entry-points.ts', import.meta.url)), join(app, 'examples', 'entry-points.ts'));
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'web2p-user', private: true, type: 'module' }));
run('npm install --omit=optional (tarballs + example dependencies, from the cache)', 'npm', [
  'install', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
  ...tarballs, ...EXAMPLE_DEPENDENCIES.map((name) => `${name}@${version(name)}`),
], { cwd: app });
expect('node-datachannel is not installed', !existsSync(join(app, 'node_modules', 'node-datachannel')), 'it was installed despite --omit=optional');

// 3. Every entry point imports in Node; WebRTC without node-datachannel, and a disk store without
// classic-level, say what is missing.
run('import web2p, web2p/sim, web2p/node, web2p/wire, web2p/simple-peer, web2p/streams, web2p/compile-hints', 'node', ['--input-type=module', '-e', `
  for (const entry of ['web2p', 'web2p/sim', 'web2p/node', 'web2p/wire', 'web2p/simple-peer', 'web2p/streams', 'web2p/compile-hints']) await import(entry);
  const { MeshSocket, MissingPackageError } = await import('web2p/node');
  const socket = new MeshSocket({ iceServers: [] });
  socket.on('error', () => {});
  const error = await socket.listening.then(() => undefined, (e) => e);
  await socket.close();
  if (!(error instanceof MissingPackageError) || error.packageName !== 'node-datachannel') throw new Error('expected MissingPackageError, got ' + error);
  const { LevelStore } = await import('web2p/node');
  const store = new LevelStore('./never-written');
  const storeError = await store.get('key').then(() => undefined, (e) => e);
  if (!(storeError instanceof MissingPackageError) || storeError.packageName !== 'classic-level') throw new Error('expected MissingPackageError for classic-level, got ' + storeError);
`], { cwd: app });

// 4. Types: the Node examples and every entry point without the DOM lib; the browser examples with it.
run('tsc: Node examples + entry points, no DOM lib', bin('tsc'), ['-p', 'examples/tsconfig.node.json'], { cwd: app });
run('tsc: browser examples (vanilla, React)', bin('tsc'), ['-p', 'examples/tsconfig.json'], { cwd: app });
const hover = run('hover over MeshSocket (TypeScript language service)', 'node', [
  fileURLToPath(new URL('hover.cjs', import.meta.url)), 'examples/tsconfig.node.json', 'examples/entry-points.ts', 'MeshSocket',
], { cwd: app });
expect('an editor shows MeshSocket’s class documentation', hover.includes('class MeshSocket') && hover.includes("py2p's mesh"), hover);

// 5. The browser examples build as an app's would (the chat with the compile-hints plugin, as the
// README recommends), and the shared-state example runs.
const { compileHints, COMPILE_HINT } = await import(pathToFileURL(join(app, 'node_modules', 'web2p', 'dist', 'compile-hints', 'index.js')).href);
for (const [example, plugins] of [['browser-chat', [compileHints()]], ['react-hooks', []]]) {
  const started = Date.now();
  await build({ root: join(app, 'examples', example), logLevel: 'error', configFile: false, plugins, build: { outDir: 'dist' } });
  console.log(`ok   vite build examples/${example} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
const chatAssets = join(app, 'examples', 'browser-chat', 'dist', 'assets');
const chatChunks = readdirSync(chatAssets).filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(chatAssets, name), 'utf8'));
expect('compileHints(): the chat\'s chunks, all holding web2p, start with V8\'s compile hint',
  chatChunks.length > 0 && chatChunks.every((code) => code.startsWith(`${COMPILE_HINT}\n`)), chatChunks.map((code) => code.slice(0, 60)).join('\n'));
const sharedState = run('run examples/shared-state', 'node', ['examples/dist/shared-state/shared-state.js'], { cwd: app });
expect('shared-state: leases refuse, leasing: false lets the last writer win',
  sharedState.includes('leased to alice') && sharedState.includes('carol reads the title: final'), sharedState);

// 6. The signaling server's bin.
const help = run('npx web2p-signal --help', 'npx', ['--no-install', 'web2p-signal', '--help'], { cwd: app });
expect('web2p-signal prints its usage', help.includes('usage: web2p-signal'), help);

rmSync(work, { recursive: true, force: true });
