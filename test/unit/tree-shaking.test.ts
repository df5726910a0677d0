/**
 * The root entry costs what an app uses: bundled by Vite (rolldown) against the built package, as
 * bench:bundle does, `flags` alone pulls in no socket, a MeshSocket brings its default WebRTC
 * transport but no store, and a SyncSocket brings the IndexedDB store too. Guards the entry's
 * design: side effects live only in entry/*, which each socket's export goes through.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { expect, test } from 'vitest';

/** The bundle of bench/bundle/<entry>, minified, as one string of code. */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      lib: { entry: fileURLToPath(new URL(`../../bench/bundle/${entry}`, import.meta.url)), formats: ['es'] },
      minify: true,
      write: false,
    },
  });
  const [output] = result as Array<{ output: Array<{ type: string; code?: string }> }>;
  return output!.output.map((item) => item.code ?? '').join('\n');
}

// Strings that only the named part contains, and that minification keeps.
const WEBRTC_DEFAULT = 'import from web2p/node'; // platform.ts's error, part of the default transport
const IDB = 'readwrite'; // idb-keyval's IndexedDB transactions

test('flags alone bundles to a few hundred bytes, with no socket', async () => {
  const code = await bundle('flags.ts');
  expect(code.length).toBeLessThan(1_000);
  expect(code).not.toContain(WEBRTC_DEFAULT);
});

test('a MeshSocket brings its default WebRTC transport and no IndexedDB store', async () => {
  const code = await bundle('mesh.ts');
  expect(code).toContain(WEBRTC_DEFAULT);
  expect(code).not.toContain(IDB);
});

test('a SyncSocket brings the default transport and the IndexedDB store', async () => {
  const code = await bundle('sync.ts');
  expect(code).toContain(WEBRTC_DEFAULT);
  expect(code).toContain(IDB);
});
