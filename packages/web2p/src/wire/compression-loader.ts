/**
 * Loads the compression codec (compression-codec.ts, fflate) on demand with a dynamic import, so
 * app bundlers put it in a lazy chunk: only links to py2p/js2p, or links that negotiated
 * compression, need it (web2p peers over WebRTC advertise none). Until it has loaded, a sender
 * sends plain bodies (always allowed, PROTOCOL.md §1.2 step 3) and a receiver holds a link's frames
 * in order (mesh/connection-manager.ts). web2p/wire users who compress by hand `await
 * loadCompression()` first.
 */
import { CompressionNotLoadedError } from '../errors.js';

type Codec = typeof import('./compression-codec.js');

let codec: Codec | undefined;
let loading: Promise<Codec> | undefined;

/**
 * Loads the zlib/gzip codec once; later calls return the same promise. A failed load (a lazy chunk
 * the network lost) is forgotten, so the next call tries again.
 */
export function loadCompression(): Promise<void> {
  loading ??= import('./compression-codec.js').then(
    (loaded) => (codec = loaded),
    (error: unknown) => {
      loading = undefined;
      throw new CompressionNotLoadedError(`the compression module failed to load (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    },
  );
  return loading.then(() => undefined);
}

/** Whether the codec has loaded (compress/decompress work synchronously). */
export function compressionLoaded(): boolean {
  return codec !== undefined;
}

/** The codec, or CompressionNotLoadedError when it has not loaded yet. */
export function loadedCompression(): Codec {
  if (!codec) throw new CompressionNotLoadedError('the compression codec is not loaded yet: await loadCompression() first');
  return codec;
}
