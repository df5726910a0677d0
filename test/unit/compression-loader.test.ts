/**
 * The compression codec (fflate) loads on demand (wire/compression-loader.ts, issue 20). Before it
 * has loaded, what needs no codec works and what needs one says to load it. Runs in a process of its
 * own (vitest isolates files), so the codec starts unloaded.
 */
import { deflateSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { CompressionNotLoadedError } from '../../packages/web2p/src/errors.js';
import { compressionLoaded } from '../../packages/web2p/src/wire/compression-loader.js';
import { compress, decompressBody, flags, loadCompression, utf8 } from '../../packages/web2p/src/wire/index.js';

test('before it loads, the codec-free parts work and the rest says to load it; after, both work', async () => {
  expect(compressionLoaded()).toBe(false);
  const plain = utf8('plain text, not compressed by anyone');
  expect(decompressBody(plain, [flags.zlib, flags.gzip], 1024)).toBe(plain);
  expect(() => decompressBody(deflateSync(plain), [flags.zlib], 1024)).toThrow(CompressionNotLoadedError);
  expect(() => compress(plain, flags.zlib)).toThrow(/await loadCompression\(\) first/);
  await loadCompression();
  expect(compressionLoaded()).toBe(true);
  expect(decompressBody(deflateSync(plain), [flags.zlib], 1024)).toEqual(plain);
  expect(decompressBody(compress(plain, flags.gzip), [flags.gzip], 1024)).toEqual(plain);
});
