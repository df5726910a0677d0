/**
 * The system clock's 0 ms timers in browser pages (runtime/next-task.ts): MessageChannel tasks, which
 * a hidden page does not throttle as it does timers. Run here on Node's MessageChannel: each call
 * runs in a task of its own, after the microtasks queued before it, in the order scheduled; a
 * cancelled one never runs; a handle that is not one of its own is left to clearTimeout.
 */
import { expect, test } from 'vitest';
import type { TimerHandle } from '../../packages/web2p/src/runtime/clock.js';
import { NextTask } from '../../packages/web2p/src/runtime/next-task.js';

test('calls run in order, each in a task of its own after the microtasks before it; a cancelled one never runs', async () => {
  const tasks = new NextTask();
  const ran: string[] = [];
  tasks.schedule(() => {
    ran.push('first');
    void Promise.resolve().then(() => ran.push('microtask of first'));
  });
  const second = tasks.schedule(() => ran.push('second'));
  tasks.schedule(() => ran.push('third'));
  void Promise.resolve().then(() => ran.push('microtask'));
  expect(tasks.cancel(second)).toBe(true);
  await new Promise<void>((resolve) => tasks.schedule(resolve));
  expect(ran).toEqual(['microtask', 'first', 'microtask of first', 'third']);
});

test('a handle it did not make is not its to cancel', () => {
  const tasks = new NextTask();
  const timer = setTimeout(() => {}, 10);
  expect(tasks.cancel(timer as unknown as TimerHandle)).toBe(false);
  clearTimeout(timer);
});
