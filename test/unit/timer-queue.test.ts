/**
 * The virtual clock's timer queue (sim/timer-queue.ts) fires in exactly the order the heap of every
 * timer by (due, creation order) it replaced did: checked against that order on random schedules
 * with clears and timers set while an instant fires, and through VirtualClock.
 */
import { expect, it } from 'vitest';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { VirtualClock } from '../../packages/web2p/src/sim/virtual-clock.js';
import { TimerQueue } from '../../packages/web2p/src/sim/timer-queue.js';

/** The reference: the queue it replaced, one heap of every timer by (due, creation order). */
class HeapOfEveryTimer {
  private readonly heap: Array<{ due: number; seq: number; fn: (() => void) | undefined }> = [];
  private seq = 0;

  add(due: number, fn: () => void): { fn: (() => void) | undefined } {
    const timer = { due, seq: this.seq++, fn };
    this.heap.push(timer);
    this.heap.sort((a, b) => a.due - b.due || a.seq - b.seq);
    return timer;
  }

  clear(timer: { fn: (() => void) | undefined }): void {
    timer.fn = undefined;
  }

  nextDue(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.fn === undefined) this.heap.shift();
    return this.heap[0]?.due;
  }

  fire(due: number): void {
    while (this.heap.length > 0 && this.heap[0]!.due === due) {
      const timer = this.heap.shift()!;
      const fn = timer.fn;
      timer.fn = undefined;
      fn?.();
    }
  }
}

type Queue = Pick<TimerQueue, 'nextDue' | 'fire'> & {
  add(due: number, fn: () => void): unknown;
  clear(timer: never): void;
};

/** A random schedule: timers that set more (some for the instant firing), and clears of any timer. */
function run(queue: Queue, seed: number): number[] {
  const random = new SeededRandom(seed);
  const fired: number[] = [];
  const handles: unknown[] = [];
  let now = 0;
  const clearOne = (): void => queue.clear(handles[Math.floor(random.next() * handles.length)] as never);
  const set = (due: number): void => {
    const label = handles.length;
    handles.push(
      queue.add(due, () => {
        fired.push(label);
        if (random.next() < 0.33 && handles.length < 2_000) set(now + Math.floor(random.next() * 3));
        if (random.next() < 0.2) clearOne();
      }),
    );
  };
  for (let i = 0; i < 300; i++) set(Math.floor(random.next() * 50));
  for (let i = 0; i < 60; i++) clearOne();
  for (let due = queue.nextDue(); due !== undefined; due = queue.nextDue()) {
    now = due;
    queue.fire(due);
  }
  return fired;
}

it('fires in the order of a heap of every timer by (due, creation order), with clears and timers set while firing', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const queue = new TimerQueue();
    const fired = run(queue as Queue, seed);
    expect(fired.length).toBeGreaterThan(200);
    expect(fired).toEqual(run(new HeapOfEveryTimer() as Queue, seed));
    expect(queue.size).toBe(0);
  }
});

it('skips an instant whose timers were all cleared: virtual time jumps to the next live one', async () => {
  const clock = new VirtualClock(0);
  const order: string[] = [];
  const cleared = clock.setTimeout(() => order.push('cleared'), 10);
  clock.setTimeout(() => order.push(`b at ${clock.now()}`), 20);
  clock.setTimeout(() => {
    order.push(`a at ${clock.now()}`);
    clock.setTimeout(() => order.push(`a2 at ${clock.now()}`), 0);
  }, 20);
  clock.clearTimeout(cleared);
  expect(clock.pendingTimers).toBe(3); // the cleared one counts until its instant is reached
  let instants = 0;
  expect(await clock.runUntilTrue(() => (instants++, order.length === 3), 100)).toBe(true);
  expect(order).toEqual(['b at 20', 'a at 20', 'a2 at 20']);
  expect(instants).toBe(2); // before any instant, then after 20: 10 was not an instant
  expect(clock.pendingTimers).toBe(0);
});
