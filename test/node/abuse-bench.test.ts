/**
 * bench:abuse as a short soak: three of its attacks for two seconds each, one after the other against
 * one victim in its own process (--soak keeps the victim for every round; the full run and the
 * hour-long soak are by hand: npm run bench:abuse [-- --soak 60]). The bench exits 1 when the victim
 * dies, an honest message is lost, or RSS grows over 100 MiB in an attack or over the soak.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('one victim survives an empty-map frame, a compression bomb and a broadcast flood in turn, dropping the attacker', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'abuse-')), 'abuse.json');
  // 0.1 minutes: less than one round of the three, so each runs once, all on the one victim
  const args = ['bench/abuse.js', '--seconds', '2', '--soak', '0.1', '--attacks', 'empty-maps,compression-bomb,broadcast-flood', '--out', out];
  const code = await new Promise<number>((resolve) => execFile(process.execPath, args, { timeout: 90_000 }, (error) => resolve(error ? Number(error.code ?? 1) : 0)));
  const { results, soak } = JSON.parse(readFileSync(out, 'utf8')) as {
    results: Array<{ attack: string; alive: boolean; honestDelivery: number; dropped: Record<string, number> }>;
    soak: { alive: boolean; rounds: number };
  };
  expect(soak).toMatchObject({ alive: true, rounds: 3 });
  expect(results.map((r) => [r.attack, r.alive, r.honestDelivery])).toEqual([
    ['empty-maps', true, 1],
    ['compression-bomb', true, 1],
    ['broadcast-flood', true, 1],
  ]);
  expect(results[0]!.dropped.DecodeCostError).toBeGreaterThan(0);
  expect(results[1]!.dropped.InflateRatioError).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 120_000);
