/**
 * Compression of frame bodies and its negotiation (PROTOCOL.md §1.3). zlib and gzip are the methods
 * both py2p and js2p have. The codec itself (fflate) is compression-codec.ts, loaded on demand
 * (compression-loader.ts): what is here needs no codec, except compress/decompress and a body that
 * looks compressed, which need it loaded.
 */
import { CompressionNotLoadedError, FrameError, FrameTooLargeError, InflateRatioError } from '../errors.js';
import type { InflateFailure, Method } from './compression-codec.js';
import { INFLATE_RATIO_FLOOR, MAX_INFLATE_RATIO } from './constants.js';
import { loadedCompression } from './compression-loader.js';
import { flags } from './flags.js';
import { concatBytes } from './packet.js';

/** What we can compress with, in our order of preference (py2p and js2p prefer zlib too). */
export const SUPPORTED_COMPRESSION: readonly number[] = [flags.zlib, flags.gzip];

/** The most `compressedBytes` may inflate to before it counts as a compression bomb. */
export function inflateLimit(compressedBytes: number, maxRatio = MAX_INFLATE_RATIO): number {
  return Math.max(INFLATE_RATIO_FLOOR, compressedBytes * maxRatio);
}

/**
 * `data` compressed by `method` (one of the compression `flags`), as py2p compresses a frame body.
 * Needs the codec loaded (`await loadCompression()`; CompressionNotLoadedError otherwise).
 */
export function compress(data: Uint8Array, method: number): Uint8Array {
  return loadedCompression().compress(data, methodName(method));
}

/**
 * Inflates `data`, refusing to produce more than `maxBytes` (FrameTooLargeError) or more than
 * `maxRatio` times its size past INFLATE_RATIO_FLOOR (InflateRatioError, a bomb). Throws FrameError
 * on bad input. Needs the codec loaded (`await loadCompression()`; CompressionNotLoadedError otherwise).
 */
export function decompress(data: Uint8Array, method: number, maxBytes: number, maxRatio = MAX_INFLATE_RATIO): Uint8Array {
  const name = methodName(method);
  const bombAt = inflateLimit(data.length, maxRatio);
  const chunks = loadedCompression().inflate(data, name, (_chunk, total) => {
    if (total > maxBytes) throw new FrameTooLargeError(`a compressed body inflates past the ${maxBytes}-byte frame limit`);
    if (total > bombAt) {
      throw new InflateRatioError(`a compressed body of ${data.length} bytes inflates past ${bombAt} bytes (over ${maxRatio}:1, a compression bomb)`);
    }
  });
  if (typeof chunks === 'string') throw new FrameError(INFLATE_FAILURES[chunks].replace('$', name));
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

const INFLATE_FAILURES: Record<InflateFailure, string> = {
  invalid: 'body is not valid $ data',
  adler32: 'body is not valid $ data: its Adler-32 trailer does not match',
  crc32: 'body is not valid $ data: its CRC-32/ISIZE trailer does not match',
};

/** The codec's name for one of the compression `flags`; RangeError for a method we do not have. */
function methodName(method: number): Method {
  if (method === flags.zlib) return 'zlib';
  if (method === flags.gzip) return 'gzip';
  throw new RangeError(`compression method 0x${method.toString(16)} is not supported (zlib and gzip are)`);
}

/** Cheap header checks of the body at `data[start..]`, so an uncompressed body is not run through an inflater that must fail. */
function looksCompressed(data: Uint8Array, method: number, start = 0): boolean {
  const length = data.length - start;
  if (method === flags.gzip) return length >= 18 && data[start] === 0x1f && data[start + 1] === 0x8b;
  if (method === flags.zlib) {
    const cmf = data[start] ?? 0;
    const flg = data[start + 1] ?? 0;
    return length >= 6 && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
  }
  return false;
}

/**
 * Undoes whatever compression the peer may have used: each method of the peer's list that we also
 * support, in the peer's order; the first that succeeds wins, and if none does the body is taken as
 * uncompressed (§1.2 step 3: both upstreams are this tolerant, and handshakes rely on it).
 */
export function decompressBody(data: Uint8Array, peerMethods: readonly number[], maxBytes: number, maxRatio = MAX_INFLATE_RATIO): Uint8Array {
  for (const method of peerMethods) {
    if (!SUPPORTED_COMPRESSION.includes(method) || !looksCompressed(data, method)) continue;
    try {
      return decompress(data, method, maxBytes, maxRatio);
    } catch (error) {
      if (error instanceof FrameTooLargeError || error instanceof InflateRatioError || error instanceof CompressionNotLoadedError) throw error;
      // not this method: try the next, then uncompressed
    }
  }
  return data;
}

/**
 * Whether a compression list names a method we know: then frames may be compressed, and a checksum
 * tells. Asked for every frame received, so a loop, without a closure per call.
 */
export function namesCompression(methods: readonly number[]): boolean {
  for (const method of methods) if (SUPPORTED_COMPRESSION.includes(method)) return true;
  return false;
}

/**
 * Whether decoding the body at `data[start..]` from a peer with `peerMethods` needs the codec: it
 * looks compressed by a method we both know. (Whether it really is compressed only inflating tells.)
 * `start` lets a whole frame be asked about without a view of its body (wire/frame.ts, decodeFramed).
 */
export function needsCodec(data: Uint8Array, peerMethods: readonly number[], start = 0): boolean {
  for (const method of peerMethods) if (SUPPORTED_COMPRESSION.includes(method) && looksCompressed(data, method, start)) return true;
  return false;
}

/** The method to send with: the first of our preferences that the peer advertised, if any. */
export function chooseCompression(local: readonly number[], peer: readonly number[]): number | undefined {
  return local.find((method) => peer.includes(method));
}

/** The methods both sides support, in our order (the renegotiate answer of §1.3). */
export function intersectCompression(local: readonly number[], peer: readonly number[]): number[] {
  return local.filter((method) => peer.includes(method));
}
