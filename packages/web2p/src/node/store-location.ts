/** Where a Node node's stores live on disk: one directory per namespace inside the persist dir. */
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PersistLocation } from '../store/types.js';
import { DEFAULT_PERSIST_DIR, MAX_STORE_DIR_NAME } from './constants.js';

/** The directory for `namespace` under `location` (persist: { dir }), or under DEFAULT_PERSIST_DIR for persist: true. */
export function storeDirectory(namespace: string, location: PersistLocation | undefined): string {
  return join(location?.dir ?? DEFAULT_PERSIST_DIR, directoryName(namespace));
}

/**
 * A file name for any namespace, on any filesystem: letters, digits, '_' and '-' as they are,
 * every other UTF-8 byte as %XX (so '.', '/' and ':' cannot escape the dir or clash), and a long
 * one cut short with a hash of the whole.
 */
function directoryName(namespace: string): string {
  let name = '';
  for (const byte of new TextEncoder().encode(namespace)) {
    const char = String.fromCharCode(byte);
    name += /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  if (name.length <= MAX_STORE_DIR_NAME) return name;
  const hash = bytesToHex(sha256(new TextEncoder().encode(namespace)));
  return `${name.slice(0, MAX_STORE_DIR_NAME - hash.length - 1)}~${hash}`;
}
