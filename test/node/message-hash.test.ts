/** web2p/node hashes message ids with Node's native SHA-256 (issue 20): the same ids, as plain Uint8Arrays. */
import { sha256 } from '@noble/hashes/sha2.js';
import { expect, it } from 'vitest';
import '../../packages/web2p/src/node/index.js';
import { createMessage, flags } from '../../packages/web2p/src/wire/index.js';

it('gives every message the id of PROTOCOL.md §1.2, from the native hash', () => {
  for (const size of [0, 100, 64 * 1024]) {
    const message = createMessage(flags.broadcast, 'sender', 1_700_000_000, [flags.broadcast, new Uint8Array(size).fill(7)]);
    expect(message.id).toEqual(sha256(message.body));
    expect(Object.getPrototypeOf(message.id)).toBe(Uint8Array.prototype);
  }
});
