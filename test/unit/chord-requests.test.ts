/** Requests in flight (packages/web2p/src/chord/requests.ts): retries, timeouts, the reverse path. */
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../packages/web2p/src/index.js';
import { FORWARD_MEMORY_MS, LOOKUP_ATTEMPT_MS, LOOKUP_ATTEMPTS, NO_ROUTE_RETRY_MS } from '../../packages/web2p/src/chord/constants.js';
import type { ChordAnswer, ChordRequest } from '../../packages/web2p/src/chord/messages.js';
import { ForwardTable, Lookups, type Vet } from '../../packages/web2p/src/chord/requests.js';
import type { Connection } from '../../packages/web2p/src/mesh/connection.js';
import { VirtualClock } from '../../packages/web2p/src/sim/index.js';

const request: ChordRequest = { kind: 'get', id: 'id0', hops: 0, final: false, position: 1, key: new Uint8Array([1]) };
const answerTo = (id: string): ChordAnswer => ({ id, hops: 2, responder: { id: 'n', position: 1, addr: ['sim', 1] }, status: 'ok', value: 'v', proof: undefined });
const peer = { id: 'n' } as unknown as Connection;

function setup(dispatch: (r: ChordRequest) => string | boolean, vet: Vet = () => 'accept') {
  const clock = new VirtualClock();
  let next = 1;
  const sent: ChordRequest[] = [];
  const lookups = new Lookups(clock, (r) => (sent.push(r), dispatch(r)), () => `id${next++}`, vet);
  return { clock, lookups, sent };
}

describe('Lookups', () => {
  it('resolves with the answer to the current attempt; each retry has a new id', async () => {
    const { clock, lookups, sent } = setup(() => true);
    const result = lookups.start(request);
    await clock.run(LOOKUP_ATTEMPT_MS);
    expect(sent.map((r) => r.id)).toEqual(['id0', 'id1']);
    expect(lookups.answer(answerTo('id0'))).toBe(false); // the abandoned attempt
    expect(lookups.answer(answerTo('id1'), peer)).toBe(true);
    await expect(result).resolves.toMatchObject({ value: 'v', hops: 2 });
  });

  it("an answer the vet does not count is tried again after NO_ROUTE_RETRY_MS, under a new id; a refused read settles marked 'refused'", async () => {
    const verdicts: Array<'retry' | 'bypass'> = ['retry', 'bypass'];
    const { clock, lookups, sent } = setup(() => 'n', () => verdicts.shift()!);
    const result = lookups.start(request);
    expect(lookups.answer(answerTo('id0'), peer)).toBe(true); // ours, but not counted
    await clock.run(NO_ROUTE_RETRY_MS);
    expect(sent.map((r) => r.id)).toEqual(['id0', 'id1']);
    expect(lookups.answer(answerTo('id1'), peer)).toBe(true);
    await expect(result).resolves.toMatchObject({ refused: true, value: 'v' });
  });

  it('rejects with TimeoutError after LOOKUP_ATTEMPTS unanswered attempts', async () => {
    const { clock, lookups, sent } = setup(() => true);
    const result = lookups.start(request);
    result.catch(() => {});
    await clock.run(LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS);
    await expect(result).rejects.toThrow(TimeoutError);
    expect(sent).toHaveLength(LOOKUP_ATTEMPTS);
  });

  it('with no route, tries again every NO_ROUTE_RETRY_MS and says why it gave up', async () => {
    const { clock, lookups, sent } = setup(() => false);
    const result = lookups.start(request);
    result.catch(() => {});
    await clock.run(LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS);
    await expect(result).rejects.toThrow(/no storing node is reachable/);
    expect(sent.length).toBe((LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS) / NO_ROUTE_RETRY_MS);
  });

  it('an attempt whose neighbour goes away is made again at once; others wait their turn', async () => {
    const via = ['n1', 'n2', 'n3'];
    const { clock, lookups, sent } = setup(() => via[sent.length - 1]!);
    const result = lookups.start(request);
    lookups.peerGone('n9'); // not the one it went to
    expect(sent).toHaveLength(1);
    lookups.peerGone('n1');
    expect(sent.map((r) => r.id)).toEqual(['id0', 'id1']); // before any time passed
    expect(lookups.answer(answerTo('id0'))).toBe(false);
    await clock.run(LOOKUP_ATTEMPT_MS - 1);
    expect(sent).toHaveLength(2);
    expect(lookups.answer(answerTo('id1'))).toBe(true);
    await expect(result).resolves.toMatchObject({ value: 'v' });
  });

  it('a local answer settles the request during dispatch; close() rejects what is left', async () => {
    const clock = new VirtualClock();
    const lookups: Lookups = new Lookups(clock, (r) => lookups.answer(answerTo(r.id)), () => 'x', () => 'retry'); // our own answer is not vetted
    await expect(lookups.start(request)).resolves.toMatchObject({ status: 'ok' });
    const other = new Lookups(clock, () => true, () => 'y', () => 'accept');
    const pending = other.start(request);
    other.close(new Error('closed'));
    await expect(pending).rejects.toThrow('closed');
  });
});

describe('ForwardTable', () => {
  const a = { name: 'a' } as unknown as Connection;
  const b = { name: 'b' } as unknown as Connection;

  it('unwinds a request that passed twice, last hop first', () => {
    const table = new ForwardTable();
    const key = new Uint8Array([1]);
    table.remember('r', a, key, 0);
    table.remember('r', b, key, 10);
    expect(table.take('r')).toEqual({ conn: b, key });
    expect(table.take('r')).toEqual({ conn: a, key });
    expect(table.take('r')).toBeUndefined();
  });

  it('forgets requests after FORWARD_MEMORY_MS', () => {
    const table = new ForwardTable();
    table.remember('old', a, undefined, 0);
    table.remember('new', b, undefined, FORWARD_MEMORY_MS);
    expect(table.take('old')).toBeUndefined();
    expect(table.take('new')).toEqual({ conn: b, key: undefined });
  });
});
