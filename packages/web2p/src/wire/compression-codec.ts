/**
 * The compression codec: zlib and gzip (the methods both py2p and js2p have), in pure JS by fflate
 * for the browser and Node alike. Loaded on demand through compression-loader.ts, never imported
 * statically by the mesh: links between web2p peers over WebRTC do not compress, so an app bundler
 * puts this module and fflate in a lazy chunk that only a link to py2p/js2p (or one that negotiated
 * compression) fetches. It imports fflate and nothing else, so the chunk holds no module the
 * initial bundle also needs (which would split that into shared chunks): the limits, errors and
 * flags around it are compression.ts's.
 */
import { Gunzip, Unzlib, deflateSync, gzipSync, zlibSync } from 'fflate';

/** The two formats, by name (compression.ts maps the compression `flags` to these). */
export type Method = 'zlib' | 'gzip';

/** Why an inflate failed on bad input (compression.ts turns each into a FrameError). */
export type InflateFailure = 'invalid' | 'adler32' | 'crc32';

/**
 * Decompressed input is fed in slices this small, so a hostile body that inflates a thousandfold
 * is caught after at most this × 1032 bytes of output rather than after it filled memory.
 */
const INFLATE_SLICE = 1024;

/** `data` compressed as `method`, as py2p compresses a frame body. */
export function compress(data: Uint8Array, method: Method): Uint8Array {
  return method === 'zlib' ? zlibSync(data) : gzipSync(data);
}

/**
 * Inflates `data`, handing each piece of output to `onData` as it comes: `onData` stops a body
 * that grows too large by throwing, and that error propagates unchanged. The pieces, in order, or
 * why the input is not valid `method` data (fflate refused it, or a trailer does not match).
 */
export function inflate(data: Uint8Array, method: Method, onData: (chunk: Uint8Array, total: number) => void): Uint8Array[] | InflateFailure {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let inCallback = false;
  const collect = (chunk: Uint8Array): void => {
    total += chunk.length;
    inCallback = true; // set while onData runs, so an error it throws is told from fflate's own
    onData(chunk, total);
    inCallback = false;
    chunks.push(chunk);
  };
  const inflater = method === 'zlib' ? new Unzlib(collect) : new Gunzip(collect);
  try {
    for (let at = 0; at < data.length; at += INFLATE_SLICE) {
      inflater.push(data.subarray(at, at + INFLATE_SLICE), at + INFLATE_SLICE >= data.length);
    }
  } catch (error) {
    if (inCallback) throw error;
    return 'invalid';
  }
  // fflate's streaming inflaters check neither trailer and take input that stops on a block boundary
  // as complete. Without these checks about 1 in 300,000 uncompressed bodies, decoded with zlib in
  // the peer's list, "inflated" to garbage (their id began like a zlib header) instead of falling
  // back to uncompressed (§1.2 step 3), and the frame was dropped. Python's zlib checks both
  // trailers. (A multi-member gzip body, which no upstream sends, fails the check.)
  if (method === 'zlib') {
    if (data.length < 4 || adler32(chunks) !== readUint32(data, data.length - 4, false)) return 'adler32';
  } else if (
    data.length < 8 ||
    crc32(chunks) !== readUint32(data, data.length - 8, true) ||
    total % 2 ** 32 !== readUint32(data, data.length - 4, true)
  ) {
    return 'crc32';
  }
  return chunks;
}

function readUint32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, littleEndian);
}

/** Adler-32 (RFC 1950), the zlib trailer. */
function adler32(chunks: readonly Uint8Array[]): number {
  let a = 1;
  let b = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; ) {
      // reduce every 5552 bytes, as zlib does, so the sums stay small integers
      for (const end = Math.min(i + 5552, chunk.length); i < end; i++) {
        a += chunk[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
  }
  return ((b << 16) | a) >>> 0;
}

let crcTable: Int32Array | undefined;

/** CRC-32 (IEEE, reflected), the gzip trailer. */
function crc32(chunks: readonly Uint8Array[]): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const table = crcTable;
  let crc = -1;
  for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) crc = table[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** The size of `sample` under a quick deflate (level 1): whether a body is worth compressing. */
export function quickDeflatedBytes(sample: Uint8Array): number {
  return deflateSync(sample, { level: 1 }).length;
}
