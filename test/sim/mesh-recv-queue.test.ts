/**
 * The recv() queue (issue 13, item 6): Node streams' flowing mode (while a 'message' listener is
 * attached nothing is also queued), and a bound in bytes as well as in messages.
 */
import { describe, expect, test } from 'vitest';
import { RecvQueueOverflowError, type Message } from '../../packages/web2p/src/index.js';
import { makeNet, meshNodes, until } from './helpers.js';

describe('flowing mode', () => {
  test("while a 'message' listener is attached, messages reach it and are not also queued for recv()", async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    const heard: unknown[] = [];
    const listener = (msg: Message): void => void heard.push(msg.packets[1]);
    b!.on('message', listener);
    for (let i = 0; i < 50; i++) a!.send(`flowing ${i}`);
    await until(net, () => heard.length === 50, 'every message at the listener');
    expect(b!.recv(100)).toEqual([]);

    // A reader already waiting still gets the next one, as it asked for it.
    const next = b!.nextMessage();
    a!.send('to the waiting reader');
    expect((await next).packets[1]).toBe('to the waiting reader');
    expect(heard).toContain('to the waiting reader');

    // Without a listener, messages are queued again.
    b!.off('message', listener);
    a!.send('queued');
    await net.run(1_000);
    expect(b!.recv(100).map((msg) => msg.packets[1])).toEqual(['queued']);
  });

  test('a once() listener takes one message out of flowing mode after it', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2);
    await b!.connect(a!.address);
    const heard: unknown[] = [];
    b!.once('message', (msg) => heard.push(msg.packets[1]));
    a!.send('first');
    a!.send('second');
    await net.run(1_000);
    expect(heard).toEqual(['first']);
    expect(b!.recv(100).map((msg) => msg.packets[1])).toEqual(['second']);
  });
});

describe('the byte bound', () => {
  test('unread messages past maxQueuedBytes drop the oldest, reported once per overflow as RecvQueueOverflowError', async () => {
    const net = makeNet();
    const limit = 64 * 1024;
    const [a, b] = meshNodes(net, 2, { maxQueuedBytes: limit });
    await b!.connect(a!.address);
    const errors: Error[] = [];
    b!.on('error', (error) => errors.push(error));
    const sendBatch = (from: number): void => {
      for (let i = from; i < from + 40; i++) a!.send(i, new Uint8Array(4096).fill(i));
    };
    sendBatch(0); // 160 KiB
    await net.run(2_000);
    const kept = b!.recv(100);
    const bytes = kept.reduce((sum, msg) => sum + msg.wire.body.length, 0);
    expect(bytes).toBeLessThanOrEqual(limit);
    expect(bytes).toBeGreaterThan(limit - 4200); // no more dropped than needed
    // The newest are kept, in order.
    expect(kept.map((msg) => msg.packets[1])).toEqual(Array.from({ length: kept.length }, (_, k) => 40 - kept.length + k));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RecvQueueOverflowError);
    expect(errors[0]!.message).toMatch(/recv\(\) queue went past 100000 messages or 65536 bytes.*on\('message'\)/);

    // The queue was emptied, so a new overflow is a new report.
    sendBatch(40);
    await net.run(2_000);
    expect(errors).toHaveLength(2);
  });
});

describe('the message bound', () => {
  test('limits.maxQueuedMessages overrides MAX_QUEUED_MESSAGES: the newest that many are kept', async () => {
    const net = makeNet();
    const [a, b] = meshNodes(net, 2, { limits: { maxQueuedMessages: 10 } });
    await b!.connect(a!.address);
    const errors: Error[] = [];
    b!.on('error', (error) => errors.push(error));
    for (let i = 0; i < 25; i++) a!.send(i);
    await net.run(2_000);
    expect(b!.recv(100).map((msg) => msg.packets[1])).toEqual(Array.from({ length: 10 }, (_, k) => 15 + k));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/recv\(\) queue went past 10 messages/);
  });
});
