/** The bounded set behind the bin-dialect addresses and the departed room members. */
import { describe, expect, it } from 'vitest';
import { BoundedSet } from '../../packages/web2p/src/runtime/bounded-set.js';

describe('BoundedSet', () => {
  it('forgets the least recently added value beyond its capacity', () => {
    const addresses = new BoundedSet<string>(2);
    addresses.add('tcp://a:1');
    addresses.add('tcp://b:2');
    addresses.add('tcp://a:1'); // learned again: now the most recent
    addresses.add('tcp://c:3');
    expect(['tcp://a:1', 'tcp://b:2', 'tcp://c:3'].map((address) => addresses.has(address))).toEqual([true, false, true]);
  });

  it('deletes a value', () => {
    const ids = new BoundedSet<string>(2);
    ids.add('a');
    ids.delete('a');
    expect(ids.has('a')).toBe(false);
  });
});
