/** How the replicated dicts (sync and chord) show a key to the user. */
import { toHex } from '../wire/packet.js';

/** Strict, and keeping a leading BOM, so that decoding and re-encoding gives back the same bytes. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The form `keys()`, `entries()` and the events give a key in: the string when the bytes are valid
 * UTF-8 (what nearly every key is, and what `get` accepts back), otherwise a copy of the bytes.
 */
export function publicKey(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return bytes.slice();
  }
}

/** For error messages: the text, or the bytes in hex when they are not UTF-8. */
export function describeKey(key: string | Uint8Array): string {
  const shown = typeof key === 'string' ? key : publicKey(key);
  return typeof shown === 'string' ? shown : `0x${toHex(shown)}`;
}
