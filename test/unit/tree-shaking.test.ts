/**
 * The root entry costs what an app uses: bundled by Vite (rolldown) against the built package, as
 * bench:bundle does, `flags` alone pulls in no socket, a MeshSocket brings its default WebRTC
 * transport but no store, and a SyncSocket brings the IndexedDB store too. Guards the entry's
 * design: side effects live only in entry/*, which each socket's export goes through.
 * A MeshSocket's initial bundle leaves out what it loads by import() when first needed (issue 20).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { expect, test } from 'vitest';

interface Chunk {
  type: string;
  code?: string;
  isEntry?: boolean;
  imports?: string[];
}

/** The chunks of bench/bundle/<entry>'s bundle, minified, as an app's build (as bench:bundle). */
async function chunks(entry: string): Promise<Chunk[]> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      rollupOptions: { input: fileURLToPath(new URL(`../../bench/bundle/${entry}`, import.meta.url)), preserveEntrySignatures: 'exports-only' },
      minify: true,
      write: false,
    },
  });
  return (result as { output: Chunk[] }).output;
}

/** The bundle of bench/bundle/<entry>, minified, as one string of code (every chunk). */
async function bundle(entry: string): Promise<string> {
  return (await chunks(entry)).map((item) => item.code ?? '').join('\n');
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

// Strings of what a MeshSocket loads by import() only when it needs it (issue 20).
const LAZY = {
  'stats() collector (mesh/stats.ts)': '[a-z0-9+.-]*):/i',
  'ICE selected-pair reader': 'selectedCandidatePairId',
  'fflate': 'invalid block type',
  '@noble/curves': 'bad point: invalid y coordinate',
};

test("a MeshSocket's initial bundle is one file without what it loads lazily", async () => {
  const all = await chunks('mesh.ts');
  const entry = all.find((chunk) => chunk.type === 'chunk' && chunk.isEntry)!;
  // A module shared by the entry and a lazy chunk would split the initial bundle into more files.
  expect(entry.imports).toEqual([]);
  for (const [part, marker] of Object.entries(LAZY)) {
    expect(entry.code!.includes(marker), `${part} in the initial bundle`).toBe(false);
    expect(all.some((chunk) => chunk !== entry && chunk.code?.includes(marker)), `${part} in a lazy chunk`).toBe(true);
  }
});

test('a MeshSocket without streams refuses them with no stream codec; with streams() it has it', async () => {
  const codec = 'bad stream open'; // a decodeStreamFrame error (mesh/streams/stream-messages.ts)
  expect(await bundle('mesh.ts')).not.toContain(codec);
  expect(await bundle('mesh-streams.ts')).toContain(codec);
});
