// bench:bundle — what web2p costs a browser app. Builds bench/bundle/*.ts with Vite (rolldown) as
// an app's entry, minified, against the built package (dist/, as an app installing `web2p` gets it),
// and measures each bundle minified and gzipped (node:zlib, level 9). Says what takes the space:
// the modules of each bundle grouped by npm package or library folder, each group's share of the
// gzip size estimated from its tree-shaken code gzipped on its own (gzip does not split exactly
// by module; the shares say where to look). The size is the initial bundle: the entry chunk and the
// chunks it imports statically; chunks reached only by import() load when first needed and are
// listed apart (lazy). Then the same estimate per module: the modules that take the most of the
// MeshSocket bundle, where to cut next. Writes bench/results/bundle.json and prints a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const TARGET_GZIP = 50 * 1024;
/** Issue 20's target for the MeshSocket-only initial bundle (set before identities, limits, members and streams landed). */
const MESH_TARGET_GZIP = 22 * 1024;
/** One row per feature an app may use, then one per entry point with every export kept. */
const ENTRIES = {
  'flags only': 'flags.ts',
  'MeshSocket alone': 'mesh.ts',
  'MeshSocket + streams (web2p/streams)': 'mesh-streams.ts',
  'SyncSocket alone': 'sync.ts',
  'ChordSocket alone': 'chord.ts',
  'all three sockets + WebRTC + IndexedDB': 'full.ts',
  'MeshSocket over simple-peer (web2p/simple-peer)': 'simple-peer.ts',
  "entry 'web2p', every export": 'entry-root.ts',
  "entry 'web2p/sim', every export": 'entry-sim.ts',
  "entry 'web2p/wire', every export": 'entry-wire.ts',
};

/**
 * Features built into MeshSocket (not separable by tree-shaking), as the library modules that make
 * them: each row estimates their share of the "MeshSocket alone" bundle the way the groups do.
 */
const FEATURES = {
  'members (sock.members, setMeta, waitForPeers)': ['mesh/members.js', 'mesh/member-messages.js'],
  'request/response + routed sends': ['mesh/request-response.js', 'mesh/routed-send.js', 'mesh/routed-messages.js', 'runtime/deadlines.js'],
};
const FEATURES_OF = 'MeshSocket alone';
/** How many of a bundle's largest modules bundle.json keeps, and the table shows for FEATURES_OF. */
const TOP_MODULES = 25;

const gzip = (text) => gzipSync(text, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** 'web2p/mesh', 'web2p/wire', …, or the npm package a module comes from. */
function group(id) {
  const library = /packages\/web2p\/dist\/(.+)$/.exec(id);
  // Streams (sendStream, issue 18) live in mesh/ but are a feature of their own (web2p/streams): counted apart.
  if (library?.[1].startsWith('mesh/streams/')) return 'web2p/mesh/streams';
  if (library) return `web2p/${library[1].includes('/') ? library[1].split('/')[0] : '(entry)'}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
  if (dependency) return dependency[1];
  return id.includes('bench/bundle/') ? '(bench entry)' : id;
}

/** A module's name as the table shows it: its path in the library or in its npm package. */
function moduleName(id) {
  return /packages\/web2p\/dist\/(.+)$/.exec(id)?.[1] ?? /node_modules\/(.+)$/.exec(id)?.[1] ?? id;
}

async function bundle(entry) {
  // An app's build, not a library build: Vite leaves whitespace in an 'es' library build (to keep
  // pure annotations for the next bundler), which added 3.6 KB gzip to a MeshSocket; an app that
  // imports web2p ships it minified whitespace and all.
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      rollupOptions: { input: fileURLToPath(new URL(`bundle/${entry}`, import.meta.url)), preserveEntrySignatures: 'exports-only' },
      minify: true,
      target: 'es2022',
      write: false,
      sourcemap: false,
    },
  });
  const chunks = new Map(output.output.filter((item) => item.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  // The bundle an app pays for at load: the entry chunk and what it imports statically. What it
  // imports only by import() (the compression codec, …) loads when first needed: listed apart.
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const imported of chunks.get(name).imports) visit(imported);
  };
  for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);
  const lazy = [...chunks.values()]
    .filter((chunk) => !initial.has(chunk.fileName))
    .map((chunk) => ({ modules: [...new Set(Object.keys(chunk.modules).map(group))].join(', '), minified: Buffer.byteLength(chunk.code), gzip: gzip(chunk.code) }));
  const initialChunks = [...initial].map((name) => chunks.get(name));
  const code = new Map();
  const modules = [];
  const features = Object.fromEntries(Object.keys(FEATURES).map((name) => [name, '']));
  for (const [id, module] of initialChunks.flatMap((c) => Object.entries(c.modules))) {
    if (!module.code) continue;
    const name = group(id);
    modules.push({ name: moduleName(id), gzipAlone: gzip(module.code) });
    code.set(name, (code.get(name) ?? '') + module.code);
    for (const [feature, files] of Object.entries(FEATURES)) {
      if (files.some((file) => id.endsWith(`packages/web2p/dist/${file}`))) features[feature] += module.code;
    }
  }
  // each chunk is a file of its own, fetched and gzipped on its own
  const minified = initialChunks.reduce((total, c) => total + Buffer.byteLength(c.code), 0);
  const gzipped = initialChunks.reduce((total, c) => total + gzip(c.code), 0);
  const alone = [...code].map(([name, text]) => ({ name, gzipAlone: gzip(text) }));
  const sum = alone.reduce((total, g) => total + g.gzipAlone, 0);
  const groups = alone
    .map(({ name, gzipAlone }) => ({ name, gzipShare: Math.round((gzipAlone / sum) * gzipped), percent: +((100 * gzipAlone) / sum).toFixed(1) }))
    .sort((a, b) => b.gzipShare - a.gzipShare);
  const featureShares = Object.fromEntries(
    Object.entries(features).map(([feature, text]) => [feature, text ? Math.round((gzip(text) / sum) * gzipped) : 0]),
  );
  // shares of the same whole as the groups' (a module gzips worse alone than beside its group)
  const moduleSum = modules.reduce((total, m) => total + m.gzipAlone, 0);
  const topModules = modules
    .map(({ name, gzipAlone }) => ({ name, gzipShare: Math.round((gzipAlone / moduleSum) * gzipped) }))
    .sort((a, b) => b.gzipShare - a.gzipShare)
    .slice(0, TOP_MODULES);
  return { entry: `bench/bundle/${entry}`, minified, gzip: gzipped, withinTarget: gzipped <= TARGET_GZIP, groups, features: featureShares, topModules, lazy };
}

const results = {};
for (const [name, entry] of Object.entries(ENTRIES)) results[name] = await bundle(entry);

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/bundle.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, targetGzip: TARGET_GZIP, meshTargetGzip: MESH_TARGET_GZIP, bundles: results }, null, 2) + '\n',
);

console.log(`bundle                                  minified     gzip -9   target ≤ ${kb(TARGET_GZIP)}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(38)} ${kb(r.minified).padStart(9)} ${kb(r.gzip).padStart(11)}   ${r.withinTarget ? 'ok' : 'OVER'}`);
}
const mesh = results['MeshSocket alone'].gzip;
console.log(`\nMeshSocket alone: ${kb(mesh)} against issue 20's ${kb(MESH_TARGET_GZIP)}: ${mesh <= MESH_TARGET_GZIP ? 'met' : `${kb(mesh - MESH_TARGET_GZIP)} over`}`);
console.log('\nlazy chunks (loaded by import() when first needed; not in the sizes above):');
for (const [name, r] of Object.entries(results)) {
  for (const l of r.lazy) console.log(`  ${name.padEnd(36)} ${kb(l.minified).padStart(9)} ${kb(l.gzip).padStart(11)}   ${l.modules}`);
}
console.log(`\nfeatures inside "${FEATURES_OF}" (estimated share of its gzip size):`);
for (const [feature, bytes] of Object.entries(results[FEATURES_OF].features)) console.log(`  ${feature.padEnd(46)} ${kb(bytes).padStart(9)}`);
console.log(`\nthe ${TOP_MODULES} largest modules of "${FEATURES_OF}" (estimated share of its gzip size):`);
for (const m of results[FEATURES_OF].topModules) console.log(`  ${m.name.padEnd(46)} ${kb(m.gzipShare).padStart(9)}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`\nwhat takes the space in "${name}" (share of the gzip size):`);
  for (const g of r.groups) console.log(`  ${g.name.padEnd(24)} ${kb(g.gzipShare).padStart(9)}  ${String(g.percent).padStart(5)} %`);
}
