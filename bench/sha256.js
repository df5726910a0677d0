#!/usr/bin/env node
/**
 * The message-id hash (`node bench/sha256.js [--rounds N]`). Every message is hashed by its sender
 * and by each receiver, over its msgpack body: a view 36 bytes into its frame. web2p hashes with its
 * own wire/sha2.ts (it replaced @noble/hashes' sha256 to shrink the browser bundle, issue 20: it
 * must not be slower); this times it and noble's on bodies of 100 B, 300 B (a typical chat or sync
 * message), 4 KiB and 64 KiB against node:crypto (native code, the floor no JavaScript hash
 * reaches), interleaved round by round so that all see the same machine load; the figures that
 * count are the same-run ratios. Writes bench/results/sha256.json and prints a table.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { sha256 as web2pSha256 } from '../packages/web2p/dist/wire/sha2.js';
import { median, numberArg } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = [100, 300, 4096, 65536];
/** Bytes hashed per contender per round: enough that a round takes milliseconds, not microseconds. */
const BYTES_PER_ROUND = 1024 * 1024;
/** Where a body starts in its frame: the 4-byte header and the 32-byte id come first. */
const BODY_OFFSET = 36;
const rounds = numberArg('rounds', 41);

const contenders = {
  'web2p (wire/sha2.ts)': web2pSha256,
  '@noble/hashes': nobleSha256,
  'node:crypto (native)': (data) => createHash('sha256').update(data).digest(),
};

/** ns per hash of `body`, over `iterations` calls. */
function time(hash, body, iterations) {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink ^= hash(body)[0];
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === 256) console.log(''); // keeps the loop from being optimised away
  return ns / iterations;
}

// The contenders must agree before their speed means anything.
for (const size of SIZES) {
  const body = new Uint8Array(BODY_OFFSET + size).map((_, i) => (i * 31 + 7) & 0xff).subarray(BODY_OFFSET);
  const digests = Object.values(contenders).map((hash) => Buffer.from(hash(body)).toString('hex'));
  if (new Set(digests).size !== 1) throw new Error(`the contenders disagree at ${size} bytes`);
}

const rows = [];
for (const size of SIZES) {
  const body = new Uint8Array(BODY_OFFSET + size).map((_, i) => (i * 31 + 7) & 0xff).subarray(BODY_OFFSET);
  const iterations = Math.max(50, Math.floor(BYTES_PER_ROUND / size));
  for (const hash of Object.values(contenders)) time(hash, body, iterations); // warm-up (JIT)
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const ratios = [];
  const nobleRatios = [];
  for (let round = 0; round < rounds; round++) {
    const ns = {};
    for (const [name, hash] of Object.entries(contenders)) {
      ns[name] = time(hash, body, iterations);
      samples[name].push(ns[name]);
    }
    ratios.push(ns['web2p (wire/sha2.ts)'] / ns['node:crypto (native)']);
    nobleRatios.push(ns['web2p (wire/sha2.ts)'] / ns['@noble/hashes']);
  }
  rows.push({
    bytes: size,
    nsPerHash: Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))])),
    // How many times the native hash's cost web2p's is; the median of per-round ratios.
    web2pOverNative: +median(ratios).toFixed(2),
    ratioRange: [+Math.min(...ratios).toFixed(2), +Math.max(...ratios).toFixed(2)],
    // web2p's cost over noble's (below 1: web2p's is faster), the median of per-round ratios.
    web2pOverNoble: +median(nobleRatios).toFixed(2),
  });
}

const result = { bench: 'sha256', node: process.version, rounds, bodyOffset: BODY_OFFSET, rows };
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'sha256.json'), JSON.stringify(result, null, 2) + '\n');

const names = Object.keys(contenders);
console.log(['body', ...names.map((n) => `${n} ns`), 'web2p / native (min–max)', 'web2p / noble'].map((c) => c.padStart(28)).join(''));
for (const row of rows) {
  console.log(
    [
      row.bytes >= 1024 ? `${row.bytes / 1024} KiB` : `${row.bytes} B`,
      ...names.map((n) => String(row.nsPerHash[n])),
      `${row.web2pOverNative}× (${row.ratioRange[0]}–${row.ratioRange[1]})`,
      `${row.web2pOverNoble}×`,
    ]
      .map((c) => c.padStart(28))
      .join(''),
  );
}
