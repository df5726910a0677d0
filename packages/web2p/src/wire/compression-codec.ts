/**
 * The compression codec: zlib and gzip (the methods both py2p and js2p have), in pure JS by fflate
 * for the browser and Node alike. Loaded on demand through compression-loader.ts, never imported
 * statically by the mesh: links between web2p peers over WebRTC do not compress, so an app bundler
 * puts this module and fflate in a lazy chunk that only a link to py2p/js2p (or one that negotiated
 * compression) fetches.
 */
import { Gunzip, Unzlib, deflateSync, gzipSync, zlibSync } from 'fflate';
import { FrameError, FrameTooLargeError, InflateRatioError } from '../errors.js';
import { MAX_COMPRESSED_SAMPLE_RATIO, MAX_INFLATE_RATIO } from './constants.js';
import { inflateLimit } from './compression.js';
import { concatBytes } from './packet.js';
import { flags } from './flags.js';

/**
 * Decompressed input is fed in slices this small, so a hostile body that inflates a thousandfold
 * is caught after at most this × 1032 bytes of output rather than after it filled memory.
 */
const INFLATE_SLICE = 1024;

/** `data` compressed by `method` (one of the compression `flags`), as py2p compresses a frame body. */
export function compress(data: Uint8Array, method: number): Uint8Array {
  if (method === flags.zlib) return zlibSync(data);
  if (method === flags.gzip) return gzipSync(data);
  throw new RangeError(`compression method 0x${method.toString(16)} is not supported (zlib and gzip are)`);
}

/**
 * Inflates `data`, refusing to produce more than `maxBytes` (FrameTooLargeError) or more than
 * `maxRatio` times its size past INFLATE_RATIO_FLOOR (InflateRatioError, a bomb): both are caught
 * while inflating, one slice of input at a time. Throws FrameError on bad input.
 */
export function decompress(data: Uint8Array, method: number, maxBytes: number, maxRatio = MAX_INFLATE_RATIO): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const bombAt = inflateLimit(data.length, maxRatio);
  const onData = (chunk: Uint8Array): void => {
    total += chunk.length;
    if (total > maxBytes) throw new FrameTooLargeError(`a compressed body inflates past the ${maxBytes}-byte frame limit`);
    if (total > bombAt) {
      throw new InflateRatioError(`a compressed body of ${data.length} bytes inflates past ${bombAt} bytes (over ${maxRatio}:1, a compression bomb)`);
    }
    chunks.push(chunk);
  };
  let inflater: Unzlib | Gunzip;
  if (method === flags.zlib) inflater = new Unzlib(onData);
  else if (method === flags.gzip) inflater = new Gunzip(onData);
  else throw new RangeError(`compression method 0x${method.toString(16)} is not supported (zlib and gzip are)`);
  try {
    for (let at = 0; at < data.length; at += INFLATE_SLICE) {
      inflater.push(data.subarray(at, at + INFLATE_SLICE), at + INFLATE_SLICE >= data.length);
    }
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError(`body is not valid ${method === flags.zlib ? 'zlib' : 'gzip'} data`, { cause: error });
  }
  // fflate's streaming inflaters check neither trailer and take input that stops on a block boundary
  // as complete. Without these checks about 1 in 300,000 uncompressed bodies, decoded with zlib in
  // the peer's list, "inflated" to garbage (their id began like a zlib header) instead of falling
  // back to uncompressed (§1.2 step 3), and the frame was dropped. Python's zlib checks both
  // trailers. (A multi-member gzip body, which no upstream sends, fails the check.)
  if (method === flags.zlib) {
    if (data.length < 4 || adler32(chunks) !== readUint32(data, data.length - 4, false)) {
      throw new FrameError('body is not valid zlib data: its Adler-32 trailer does not match');
    }
  } else if (
    data.length < 8 ||
    crc32(chunks) !== readUint32(data, data.length - 8, true) ||
    total % 2 ** 32 !== readUint32(data, data.length - 4, true)
  ) {
    throw new FrameError('body is not valid gzip data: its CRC-32/ISIZE trailer does not match');
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
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

/** Whether `sample` (the start of a body) shrinks enough under a quick deflate to be worth compressing. */
export function sampleCompresses(sample: Uint8Array): boolean {
  return deflateSync(sample, { level: 1 }).length <= sample.length * MAX_COMPRESSED_SAMPLE_RATIO;
}
