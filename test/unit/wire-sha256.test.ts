/** The message-id hash against node:crypto: every length around the block and padding boundaries, and large inputs. */
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { sha256 } from '../../packages/web2p/src/wire/sha256.js';
import { hex, randomBytes, seeded } from './wire-test-helpers.js';

const reference = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

test('every length from 0 to 300 bytes (both one- and two-block paddings)', () => {
  const next = seeded(256);
  for (let n = 0; n <= 300; n++) {
    const data = randomBytes(next, n);
    expect(hex(sha256(data)), `length ${n}`).toBe(reference(data));
  }
});

test('the FIPS 180-4 examples', () => {
  expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(hex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('large inputs and views into larger buffers', () => {
  const next = seeded(9);
  for (const n of [65_536, 1_000_003, 16 * 1024 * 1024]) {
    const data = n > 1_000_003 ? new Uint8Array(n).fill(7) : randomBytes(next, n);
    expect(hex(sha256(data)), `length ${n}`).toBe(reference(data));
  }
  const buffer = randomBytes(next, 500);
  const view = buffer.subarray(13, 413);
  expect(hex(sha256(view))).toBe(reference(view));
});
