/** The one pending-request table (packages/web2p/src/runtime/pending-requests.ts), on a virtual clock. */
import { describe, expect, it } from 'vitest';
import { AbortError, SocketClosedError, TimeoutError, type Clock, type TimerHandle } from '../../packages/web2p/src/index.js';
import { PendingRequests } from '../../packages/web2p/src/runtime/pending-requests.js';
import { VirtualClock } from '../../packages/web2p/src/sim/index.js';

/** A virtual clock that also counts its live timers (set, neither fired nor cleared). */
function setup() {
  const clock = new VirtualClock();
  const live = new Set<TimerHandle>();
  const counted: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const handle: TimerHandle = clock.setTimeout(() => (live.delete(handle), fn()), ms);
      live.add(handle);
      return handle;
    },
    clearTimeout: (handle) => (live.delete(handle), clock.clearTimeout(handle)),
    whilePending: (promise) => clock.whilePending(promise),
  };
  return { clock, live, table: new PendingRequests<string, number>(counted) };
}

describe('PendingRequests', () => {
  it('resolves with the answer and forgets the request and its timer', async () => {
    const { live, table } = setup();
    const answer = table.wait('a', { timeoutMs: 1000, timeoutMessage: 'a' });
    expect(table.has('a')).toBe(true);
    expect(table.resolve('a', 7)).toBe(true);
    await expect(answer).resolves.toBe(7);
    expect(table.size).toBe(0);
    expect(table.resolve('a', 8)).toBe(false); // a late second answer is not ours
    expect(live.size).toBe(0);
  });

  it('rejects with TimeoutError at the deadline, naming what did not happen, and calls onFail once', async () => {
    const { clock, table } = setup();
    const failures: Error[] = [];
    const answer = table.wait('a', { timeoutMs: 1000, timeoutMessage: () => 'no handshake from x in 1000 ms', onFail: (e) => failures.push(e) });
    answer.catch(() => {});
    await clock.run(999);
    expect(table.has('a')).toBe(true);
    await clock.run(1);
    await expect(answer).rejects.toThrow(TimeoutError);
    await expect(answer).rejects.toThrow('no handshake from x in 1000 ms');
    expect(failures).toHaveLength(1);
    expect(table.size).toBe(0);
  });

  it('rejects with AbortError when the signal fires, clears the timer and removes its listener', async () => {
    const { live, table } = setup();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    const answer = table.wait('a', { timeoutMs: 1000, timeoutMessage: 'a', signal });
    expect(listeners).toBe(1);
    controller.abort(new Error('user went away'));
    await expect(answer).rejects.toThrow(AbortError);
    await expect(answer).rejects.toThrow(/user went away/);
    expect(listeners).toBe(0);
    expect(live.size).toBe(0);
    // A settled request leaves nothing behind on the signal either.
    const other = new AbortController();
    const answered = table.wait('b', { timeoutMs: 1000, timeoutMessage: 'b', signal: other.signal });
    table.resolve('b', 1);
    await answered;
    other.abort();
    expect(table.size).toBe(0);
  });

  it('refuses an already aborted signal and a key that is already waiting', async () => {
    const { table } = setup();
    await expect(table.wait('a', { timeoutMs: 10, timeoutMessage: 'a', signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    const first = table.wait('a', { timeoutMs: 10, timeoutMessage: 'a' });
    await expect(table.wait('a', { timeoutMs: 10, timeoutMessage: 'a' })).rejects.toThrow(RangeError);
    table.resolve('a', 1);
    await expect(first).resolves.toBe(1);
  });

  it('close() rejects everything still waiting with SocketClosedError, and later waits at once', async () => {
    const { live, table } = setup();
    const failed: string[] = [];
    const waits = ['a', 'b'].map((key) => table.wait(key, { timeoutMs: 1000, timeoutMessage: key, onFail: () => failed.push(key) }));
    table.close();
    for (const wait of waits) await expect(wait).rejects.toThrow(SocketClosedError);
    expect(failed).toEqual(['a', 'b']);
    expect(live.size).toBe(0);
    await expect(table.wait('c', { timeoutMs: 1000, timeoutMessage: 'c' })).rejects.toThrow(SocketClosedError);
  });

  it('rekey() moves a request to a new id, keeping its deadline and its signal', async () => {
    const { clock, table } = setup();
    const controller = new AbortController();
    const answer = table.wait('try1', { timeoutMs: 1000, timeoutMessage: 'lookup', signal: controller.signal });
    answer.catch(() => {});
    await clock.run(500);
    expect(table.rekey('try1', 'try2')).toBe(true);
    expect(table.resolve('try1', 1)).toBe(false);
    controller.abort();
    await expect(answer).rejects.toThrow(AbortError);
    expect(table.size).toBe(0);
    const timed = table.wait('x', { timeoutMs: 1000, timeoutMessage: 'lookup' });
    timed.catch(() => {});
    await clock.run(600);
    table.rekey('x', 'y');
    await clock.run(400);
    await expect(timed).rejects.toThrow(TimeoutError);
  });

  it('reject() fails one request with the error given', async () => {
    const { table } = setup();
    const answer = table.wait('a', { timeoutMs: 1000, timeoutMessage: 'a' });
    expect(table.reject('a', new SocketClosedError())).toBe(true);
    await expect(answer).rejects.toThrow(SocketClosedError);
    expect(table.reject('a', new Error('again'))).toBe(false);
  });
});
