/**
 * web2p/compile-hints: an app's Vite build with the plugin starts each chunk holding web2p with V8's
 * compile hint as its first line (after Vite's own preload map, which Vite puts first), gives those
 * chunks new content hashes, keeps their source maps pointing where they did, and leaves chunks
 * without web2p as they were. That Chromium then compiles the chunk at load is measured by
 * bench:browser (each page's main thread over a cold connection), not asserted here.
 */
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { expect, test } from 'vitest';
import { COMPILE_HINT, compileHints } from '../../packages/web2p/src/compile-hints/index.js';

interface Output {
  type: 'chunk' | 'asset';
  fileName: string;
  name?: string;
  code?: string;
  moduleIds?: string[];
  source?: string;
}

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A minified app build, with source maps, of a MeshSocket entry and an app entry without web2p, by chunk name. */
async function appBuild(plugins: Plugin[]): Promise<Map<string, Output>> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    plugins,
    build: {
      rollupOptions: {
        input: { mesh: entry('../../bench/bundle/mesh.ts'), app: entry('../fixtures/bundle/app-only.ts') },
        preserveEntrySignatures: 'exports-only',
      },
      minify: true,
      sourcemap: true,
      write: false,
    },
  });
  return new Map((result as { output: Output[] }).output.map((item) => [item.name ?? item.fileName, item]));
}

/** Where a text in a chunk's code came from, by the chunk's source map. */
function origin(chunk: Output, map: Output, text: string) {
  const code = chunk.code ?? '';
  const before = code.slice(0, code.indexOf(text)).split('\n');
  const entryAt = new SourceMap(JSON.parse(String(map.source))).findEntry(before.length - 1, before.at(-1)!.length);
  return 'originalSource' in entryAt ? { source: entryAt.originalSource, line: entryAt.originalLine, column: entryAt.originalColumn } : undefined;
}

test('chunks holding web2p start with the compile hint, are renamed, and their source maps still point home', async () => {
  const plain = await appBuild([]);
  const hinted = await appBuild([compileHints()]);
  // the entry and the lazy chunks hold web2p; the app's entry and fflate's chunk (shared by the app and web2p's codec) do not
  const web2pIn = (chunk: Output) => chunk.moduleIds!.some((id) => id.includes('/packages/web2p/'));
  const chunks = (build: Map<string, Output>) => [...build.values()].filter((item) => item.type === 'chunk' && web2pIn(item));
  const others = (build: Map<string, Output>) => [...build.values()].filter((item) => item.type === 'chunk' && !web2pIn(item));
  expect(chunks(hinted).length).toBeGreaterThanOrEqual(4);
  for (const chunk of chunks(hinted)) expect(chunk.code!.startsWith(`${COMPILE_HINT}\n`), chunk.fileName).toBe(true);
  // Vite's preload map, which Vite puts first in the file, goes after the hint
  expect(chunks(plain).some((chunk) => chunk.code!.startsWith('const __vite__mapDeps'))).toBe(true);
  expect(chunks(hinted).some((chunk) => chunk.code!.startsWith(`${COMPILE_HINT}\nconst __vite__mapDeps`))).toBe(true);
  // new content, new names
  const names = new Set(chunks(plain).map((chunk) => chunk.fileName));
  for (const chunk of chunks(hinted)) expect(names.has(chunk.fileName), chunk.fileName).toBe(false);

  // a text of errors.ts maps to the same place with and without the hint's line
  const text = 'import from web2p/node';
  const withText = (build: Map<string, Output>) => chunks(build).find((chunk) => chunk.code!.includes(text))!;
  const mapOf = (build: Map<string, Output>) => build.get(`${withText(build).fileName}.map`)!;
  const before = origin(withText(plain), mapOf(plain), text);
  expect(before?.source).toMatch(/platform/);
  expect(origin(withText(hinted), mapOf(hinted), text)).toEqual(before);

  // chunks without web2p: as built, same names
  expect(others(hinted).map((chunk) => [chunk.fileName, chunk.code])).toEqual(others(plain).map((chunk) => [chunk.fileName, chunk.code]));
  expect(others(hinted).length).toBe(2);
});
