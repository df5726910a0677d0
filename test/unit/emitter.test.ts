/** The typed event emitter every socket is built on, and the error names apps catch by. */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../packages/web2p/src/runtime/emitter.js';
import { KeyError, LeaseError } from '../../packages/web2p/src/errors.js';

type Events = { ping: (n: number) => void };

class Pinger extends Emitter<Events> {
  ping(n: number): boolean {
    return this.emit('ping', n);
  }
}

describe('Emitter', () => {
  it('off() removes a once() listener before it fires', () => {
    const pinger = new Pinger();
    const heard: number[] = [];
    const listener = (n: number): void => void heard.push(n);
    pinger.once('ping', listener);
    expect(pinger.listenerCount('ping')).toBe(1);
    pinger.off('ping', listener);
    expect(pinger.listenerCount('ping')).toBe(0);
    expect(pinger.ping(1)).toBe(false);
    expect(heard).toEqual([]);
  });

  it('a once() listener fires once; an on() listener every time; each can be removed by off()', () => {
    const pinger = new Pinger();
    const once: number[] = [];
    const always: number[] = [];
    const onAlways = (n: number): void => void always.push(n);
    pinger.once('ping', (n) => once.push(n));
    pinger.on('ping', onAlways);
    pinger.ping(1);
    pinger.ping(2);
    pinger.off('ping', onAlways);
    pinger.ping(3);
    expect(once).toEqual([1]);
    expect(always).toEqual([1, 2]);
    expect(pinger.listenerCount('ping')).toBe(0);
  });

  it('a listener that throws does not stop the others', () => {
    const pinger = new Pinger();
    const heard: number[] = [];
    const errors: unknown[] = [];
    (pinger as unknown as { onListenerError: (e: unknown) => void }).onListenerError = (e) => errors.push(e);
    pinger.on('ping', () => {
      throw new Error('boom');
    });
    pinger.on('ping', (n) => heard.push(n));
    pinger.ping(7);
    expect(heard).toEqual([7]);
    expect(errors).toHaveLength(1);
  });
});

describe('LeaseError', () => {
  it("is named 'LeaseError' and is still a KeyError, as py2p raises", () => {
    const error = new LeaseError('k', 'owner', 0);
    expect(error.name).toBe('LeaseError');
    expect(error).toBeInstanceOf(KeyError);
    expect(String(error)).toMatch(/^LeaseError: key "k" is leased to owner/);
  });
});
