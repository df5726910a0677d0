/**
 * Whether a body is worth compressing where compression was negotiated (PROTOCOL.md §1.3). Sending
 * a body uncompressed is always allowed: a receiver that finds no method's format takes the body as
 * plain (§1.2 step 3, as py2p and js2p do). So tiny bodies and bodies whose sample does not shrink go
 * plain, and only data that compresses pays for it; so do bodies sent before the codec has loaded
 * (compression-loader.ts: this asks it to load).
 */
import { COMPRESSION_SAMPLE_BYTES, MAX_COMPRESSED_SAMPLE_RATIO, MIN_COMPRESSED_BODY_BYTES } from './constants.js';
import { compressionLoaded, loadCompression, loadedCompression } from './compression-loader.js';

/** Judgements by body, so a broadcast sent to many neighbours is judged once. */
const judged = new WeakMap<Uint8Array, boolean>();

/** `method` if `body` is worth compressing, else undefined (send it plain). */
export function compressionFor(body: Uint8Array, method: number | undefined): number | undefined {
  if (method === undefined || body.length < MIN_COMPRESSED_BODY_BYTES) return undefined;
  if (!compressionLoaded()) {
    // A failed load is retried at the next body; meanwhile bodies go plain, which every peer takes.
    loadCompression().catch(() => undefined);
    return undefined;
  }
  let worth = judged.get(body);
  if (worth === undefined) {
    const sample = body.subarray(0, COMPRESSION_SAMPLE_BYTES);
    worth = loadedCompression().quickDeflatedBytes(sample) <= sample.length * MAX_COMPRESSED_SAMPLE_RATIO;
    judged.set(body, worth);
  }
  return worth ? method : undefined;
}
