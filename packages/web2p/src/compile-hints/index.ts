/**
 * web2p/compile-hints: a plugin for a browser app's Vite build (it uses only Rollup's plugin hooks,
 * which Rolldown has too), so that a socket's first connection runs compiled code:
 *
 * ```ts
 * // vite.config.ts
 * import { compileHints } from 'web2p/compile-hints';
 * export default { plugins: [compileHints()] };
 * ```
 *
 * It starts every output chunk that holds web2p's code with V8's explicit compile hint,
 * `//# allFunctionsCalledOnLoad` (Chromium 136 and later; other engines read a comment). V8 then
 * compiles the chunk's functions while the script streams in, on a background thread, instead of
 * each one on the main thread at its first call. Connecting is the first call of most of web2p's
 * code, so without the hint the first connection pays for compiling it, in both peers' pages:
 * in `bench:browser` the hint cut each page's main thread over a cold connection by about a third.
 * The cost is memory: the bytecode of functions never called (0.4 MB of heap in the bench's page).
 *
 * The hint covers the whole chunk: the app's own code in web2p's chunk is compiled at load too.
 * (A manual chunk for web2p is no cure: a group that takes web2p's modules takes its lazy ones with
 * them, the compression codec and the fallback Ed25519.) The hint must be the file's first line, so
 * the plugin adds it after the bundler's own additions (Vite puts its preload map first), shifts the
 * chunk's source map by that line, and changes the chunk's content hash. A plugin that digests the
 * chunks (subresource integrity) must see them after this one: list it after compileHints(), with
 * its hook ordered 'post' too or in writeBundle.
 *
 * Hand-written: a bundler hook of a few lines, for which no package on npm places the hint.
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';

/** V8's explicit compile hint for a whole file: it works only as the file's first line. */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/**
 * web2p's package folder, with forward slashes as bundlers write module ids on every platform: this
 * file is in dist/compile-hints/ (src/compile-hints/ in a checkout), and the modules under it are web2p's.
 */
const PACKAGE_FOLDER = slashes(fileURLToPath(new URL('../../', import.meta.url)));

function slashes(path: string): string {
  return path.replaceAll('\\', '/');
}

/** What `compileHints()` hints besides web2p. */
export interface CompileHintsOptions {
  /** Module ids of other libraries whose chunks get the hint too (e.g. `/[\\/]node_modules[\\/]simple-peer[\\/]/`). */
  otherModules?: RegExp;
}

/** The parts of a bundler's output chunk that the plugin reads and changes. */
export interface OutputChunk {
  /** Always 'chunk'. */
  type: 'chunk';
  /** The file the chunk is written to; its source map's asset is this name plus '.map'. */
  fileName: string;
  /** The modules bundled into the chunk. */
  moduleIds: readonly string[];
  /** The chunk's code, which the hint goes in front of. */
  code: string;
  /** The chunk's source map, when the build makes one. */
  map?: { mappings: string } | null;
}

/** The parts of a bundler's output asset (here, a chunk's source map) that the plugin reads and changes. */
export interface OutputAsset {
  /** Always 'asset'. */
  type: 'asset';
  /** The asset's content: for a source map, its JSON. */
  source: string | Uint8Array;
}

/** The plugin, typed by the hooks it has so that it fits Vite's, Rollup's and Rolldown's plugin types. */
export interface CompileHintsPlugin {
  /** The plugin's name, as the bundler reports it. */
  name: 'web2p-compile-hints';
  /** Gives the chunks that get the hint a new content hash. */
  augmentChunkHash(chunk: { moduleIds: readonly string[] }): string | undefined;
  /** Runs after the bundler's own generateBundle work, which may add lines at the top. */
  generateBundle: {
    order: 'post';
    /** Puts the hint first in each chunk holding web2p, and shifts the chunk's source map by its line. */
    handler(options: unknown, bundle: Record<string, OutputChunk | OutputAsset>): void;
  };
}

/** The plugin: see the module's documentation. */
export function compileHints(options: CompileHintsOptions = {}): CompileHintsPlugin {
  const hinted = (chunk: { moduleIds: readonly string[] }) =>
    chunk.moduleIds.some((id) => slashes(id).startsWith(PACKAGE_FOLDER) || options.otherModules?.test(id) === true);
  return {
    name: 'web2p-compile-hints',
    // A chunk's content changes, so its file name (content hash) must too, or caches keep the old one.
    augmentChunkHash: (chunk) => (hinted(chunk) ? COMPILE_HINT : undefined),
    generateBundle: {
      // After the bundler's own generateBundle additions (Vite's preload map), which go first in the file.
      order: 'post',
      handler(_, bundle) {
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk' || !hinted(chunk)) continue;
          chunk.code = `${COMPILE_HINT}\n${chunk.code}`;
          // One more line at the top: a source map's mappings start with one more line separator.
          if (chunk.map) chunk.map.mappings = `;${chunk.map.mappings}`;
          // Vite and Rolldown have already written the map into an asset; Rollup writes it later from chunk.map.
          const mapAsset = bundle[`${chunk.fileName}.map`];
          if (mapAsset?.type === 'asset' && typeof mapAsset.source === 'string') {
            const map = JSON.parse(mapAsset.source) as { mappings: string };
            mapAsset.source = JSON.stringify({ ...map, mappings: `;${map.mappings}` });
          }
        }
      },
    },
  };
}
