import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../packages/web2p/src/sim/virtual-clock.js';
import { Outbox, type PendingWrite } from '../../packages/web2p/src/sync/outbox.js';
import { unixSeconds } from '../../packages/web2p/src/runtime/clock.js';

/** An outbox whose sends are recorded; `hold` keeps a send in flight until released. */
function harness(options: { hold?: boolean } = {}) {
  const clock = new VirtualClock();
  const sent: Array<{ id: string; write: PendingWrite; second: number }> = [];
  const inFlight: Array<() => void> = [];
  const outbox = new Outbox({
    clock,
    transmit(id, write, done) {
      const finish = (): void => {
        const at = unixSeconds(clock);
        sent.push({ id, write, second: at });
        done(at);
      };
      if (options.hold) inFlight.push(finish);
      else finish();
    },
  });
  return { clock, outbox, sent, inFlight, now: () => unixSeconds(clock) };
}

describe('Outbox', () => {
  it('sends a write due now at once, and one due later at its second', async () => {
    const { clock, outbox, sent, now } = harness();
    const start = now();
    outbox.add('a', { kind: 'store' }, start);
    expect(sent).toEqual([{ id: 'a', write: { kind: 'store' }, second: start }]);
    outbox.add('b', { kind: 'store' }, start + 2);
    expect(outbox.plannedSecond('b')).toBe(start + 2);
    await clock.run(1_000);
    expect(sent).toHaveLength(1);
    await clock.run(2_000);
    expect(sent[1]).toEqual({ id: 'b', write: { kind: 'store' }, second: start + 2 });
    expect(outbox.has('b')).toBe(false);
  });

  it('folds later writes into the waiting one: deltas merge, a store absorbs them', async () => {
    const { clock, outbox, sent, now } = harness();
    const second = now() + 1;
    outbox.add('k', { kind: 'delta', mapping: { a: 1 } }, second);
    outbox.add('k', { kind: 'delta', mapping: { b: 2, a: 3 } }, second);
    outbox.add('j', { kind: 'delta', mapping: { a: 1 } }, second);
    outbox.add('j', { kind: 'store' }, second);
    await clock.run(2_000);
    expect(sent.map((s) => [s.id, s.write])).toEqual([
      ['k', { kind: 'delta', mapping: { a: 3, b: 2 } }],
      ['j', { kind: 'store' }],
    ]);
  });

  it('a cancelled write never goes', async () => {
    const { clock, outbox, sent, now } = harness();
    outbox.add('k', { kind: 'store' }, now() + 1);
    outbox.cancel('k');
    await clock.run(3_000);
    expect(sent).toEqual([]);
    expect(outbox.has('k')).toBe(false);
  });

  it('while a send is held back by the mesh, the next write waits for a later second than its wire time', async () => {
    const { clock, outbox, sent, inFlight, now } = harness({ hold: true });
    const start = now();
    outbox.add('k', { kind: 'store' }, start);
    outbox.add('k', { kind: 'store' }, start + 1); // planned for the next second...
    await clock.run(2_500); // ...but the first only leaves now, two seconds late
    inFlight.shift()!();
    expect(sent).toEqual([{ id: 'k', write: { kind: 'store' }, second: start + 2 }]);
    expect(outbox.plannedSecond('k')).toBe(start + 3);
    await clock.run(1_000);
    inFlight.shift()!();
    expect(sent[1]!.second).toBe(start + 3);
  });

  it('close() stops everything waiting', async () => {
    const { clock, outbox, sent, now } = harness();
    outbox.add('k', { kind: 'store' }, now() + 1);
    outbox.close();
    await clock.run(3_000);
    expect(sent).toEqual([]);
  });
});
