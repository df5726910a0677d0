/**
 * bench:abuse, short: three of its attacks for two seconds each against a victim in its own process
 * (the full run and the hour-long soak are by hand: npm run bench:abuse [-- --soak 60]). The bench
 * exits 1 when the victim dies, an honest message is lost, or RSS grows over 100 MiB.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the victim survives an empty-map frame, a compression bomb and a broadcast flood, dropping the attacker', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'abuse-')), 'abuse.json');
  const args = ['bench/abuse.js', '--seconds', '2', '--attacks', 'empty-maps,compression-bomb,broadcast-flood', '--out', out];
  const code = await new Promise<number>((resolve) => execFile(process.execPath, args, { timeout: 90_000 }, (error) => resolve(error ? Number(error.code ?? 1) : 0)));
  const { results } = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ attack: string; alive: boolean; honestDelivery: number; dropped: Record<string, number> }> };
  expect(results.map((r) => [r.attack, r.alive, r.honestDelivery])).toEqual([
    ['empty-maps', true, 1],
    ['compression-bomb', true, 1],
    ['broadcast-flood', true, 1],
  ]);
  expect(results[0]!.dropped.DecodeCostError).toBeGreaterThan(0);
  expect(results[1]!.dropped.InflateRatioError).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 120_000);
