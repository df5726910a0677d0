/**
 * wire/sha2.ts against node:crypto, byte for byte: every length around the block and padding
 * boundaries, views into larger buffers, and a large body. Also times it beside @noble/hashes (the
 * library it replaced in the bundle), printed, not asserted (speed targets live in bench/).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sha256 as nobleSha256, sha384 as nobleSha384 } from '@noble/hashes/sha2.js';
import { expect, test } from 'vitest';
import { sha256, sha384 } from '../../packages/web2p/src/wire/sha2.js';

const native = (algorithm: string, data: Uint8Array) => new Uint8Array(createHash(algorithm).update(data).digest());

test('SHA-256 and SHA-384 equal node:crypto for every length from 0 to 300 bytes', () => {
  const bytes = randomBytes(300);
  for (let length = 0; length <= 300; length++) {
    const data = bytes.subarray(0, length);
    expect(sha256(data), `sha256 of ${length} bytes`).toEqual(native('sha256', data));
    expect(sha384(data), `sha384 of ${length} bytes`).toEqual(native('sha384', data));
  }
});

test('they hash a view at an offset into a larger buffer, and a 1 MiB body', () => {
  const buffer = randomBytes(4096 + 7);
  const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 7, 4096);
  expect(sha256(view)).toEqual(native('sha256', view));
  expect(sha384(view)).toEqual(native('sha384', view));
  const large = randomBytes(1 << 20);
  expect(sha256(large)).toEqual(native('sha256', large));
  expect(sha384(large)).toEqual(native('sha384', large));
});

test('the FIPS 180-4 "abc" examples', () => {
  const abc = new TextEncoder().encode('abc');
  expect(Buffer.from(sha256(abc)).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(Buffer.from(sha384(abc)).toString('hex')).toBe(
    'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  );
});

test('speed beside @noble/hashes (printed)', () => {
  for (const size of [100, 1024, 65536]) {
    const data = randomBytes(size);
    const rounds = Math.max(20, Math.floor(4_000_000 / size));
    const time = (hash: (d: Uint8Array) => Uint8Array) => {
      const start = performance.now();
      for (let i = 0; i < rounds; i++) hash(data);
      return ((performance.now() - start) * 1000) / rounds;
    };
    time(sha256);
    time(nobleSha256);
    const [ours256, noble256, ours384, noble384] = [time(sha256), time(nobleSha256), time(sha384), time(nobleSha384)];
    console.log(
      `${size} B: sha256 ${ours256.toFixed(2)} µs (noble ${noble256.toFixed(2)}), sha384 ${ours384.toFixed(2)} µs (noble ${noble384.toFixed(2)})`,
    );
  }
});
