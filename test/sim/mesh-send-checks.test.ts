/**
 * What send() refuses, and that a refusal costs only the call that made it (issue 13, items 1, 4, 5):
 * nothing goes out, the sender hears a typed error at once, and the socket carries on.
 */
import { describe, expect, test } from 'vitest';
import { MessageTooLargeError, flags, type MeshSocket } from '../../packages/web2p/src/index.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeMsgpack } from '../../packages/web2p/src/wire/index.js';
import { makeNet, meshNodes } from './helpers.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';

async function pair(options: { maxFrameBytes?: number } = {}): Promise<{ net: SimNetwork; a: MeshSocket; b: MeshSocket }> {
  const net = makeNet();
  const [a, b] = meshNodes(net, 2, options);
  await b!.connect(a!.address);
  return { net, a: a!, b: b! };
}

/** Everything b got within a second of virtual time, as the packets after the sub-flag. */
async function heard(net: SimNetwork, b: MeshSocket): Promise<unknown[]> {
  await net.run(1_000);
  return b.recv(100).map((msg) => msg.packets.slice(1));
}

describe('a refused send costs only itself', () => {
  test('after a send() that throws TypeError, later broadcasts still go out, in order', async () => {
    const { net, a, b } = await pair();
    a.send('before');
    expect(() => a.send((() => 1) as never)).toThrow(TypeError);
    a.send('after');
    a.send('after'); // a repeat in the same second waits for the next one, behind nothing bad
    expect(await heard(net, b)).toEqual([['before'], ['after'], ['after']]);
  });
});

describe('values msgpack cannot carry faithfully', () => {
  test('any ArrayBuffer or ArrayBufferView goes out as its bytes and arrives as a Uint8Array', async () => {
    const { net, a, b } = await pair();
    const floats = new Float32Array([1.5, -2]);
    const shorts = new Int16Array([1, 2, 3, 4]).subarray(1, 3); // a view not at offset 0
    const view = new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2);
    const buffer = new Uint8Array([5, 4, 3]).buffer;
    a.send(floats, shorts, view, buffer, { nested: [new Uint16Array([0x0102])] });
    const bytesOf = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    expect(await heard(net, b)).toEqual([
      [bytesOf(floats), bytesOf(shorts), new Uint8Array([8, 7]), new Uint8Array([5, 4, 3]), { nested: [bytesOf(new Uint16Array([0x0102]))] }],
    ]);
  });

  test.each([
    ['Date', new Date(0)],
    ['Map', new Map([['k', 1]])],
    ['Set', new Set([1])],
    ['RegExp', /x/],
    ['Promise', Promise.resolve(1)],
    ['Point', new (class Point { x = 1 })()],
    ['symbol', Symbol('s')],
    ['function', () => 1],
  ])('a %s is refused with a TypeError naming it, at send time, and nothing goes out', async (name, value) => {
    const { net, a, b } = await pair();
    expect(() => a.send('first', { inside: [value] } as never)).toThrow(new RegExp(`cannot send a ${name}: `));
    expect(() => a.send(value as never, { flag: flags.whisper })).toThrow(TypeError);
    a.send('next');
    expect(await heard(net, b)).toEqual([['next']]);
  });

  test('plain objects, including Object.create(null), are still maps', async () => {
    const { net, a, b } = await pair();
    const bare = Object.create(null) as Record<string, number>;
    bare.x = 1;
    a.send({ y: 2 }, bare);
    expect(await heard(net, b)).toEqual([[{ y: 2 }, { x: 1 }]]);
  });
});

describe('messages over the frame limit', () => {
  /** Bytes of a frame body (id + msgpack) carrying `a`'s broadcast of one bin of `n` bytes. */
  const bodyBytes = (a: MeshSocket, n: number): number => 32 + encodeMsgpack([flags.broadcast, a.id, a.nowSeconds(), flags.broadcast, new Uint8Array(n)]).length;

  test('the sender gets MessageTooLargeError at once and nothing is sent; exactly the limit passes', async () => {
    const limit = 256 * 1024;
    const { net, a, b } = await pair({ maxFrameBytes: limit });
    const errors: Error[] = [];
    b.on('error', (error) => errors.push(error));
    const fits = limit - (bodyBytes(a, 100_000) - 100_000); // the payload that makes the body exactly `limit`
    expect(bodyBytes(a, fits)).toBe(limit);
    const tooLarge = new Uint8Array(fits + 1);
    expect(() => a.send(tooLarge)).toThrow(MessageTooLargeError);
    expect(() => a.send(tooLarge, { flag: flags.whisper })).toThrow(MessageTooLargeError);
    a.send(new Uint8Array(fits).fill(7));
    const [[arrived]] = (await heard(net, b)) as [[Uint8Array]];
    expect(arrived.length).toBe(fits);
    expect(errors).toEqual([]);
    expect(b.routingTable.has(a.id)).toBe(true); // the link survived
  });

  test('16 MiB of payload at the default limit is refused with the limit named and streams pointed at', async () => {
    const { net, a, b } = await pair();
    let error: unknown;
    try {
      a.send(new Uint8Array(DEFAULT_MAX_FRAME_BYTES));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toMatchObject({ name: 'MessageTooLargeError', limit: DEFAULT_MAX_FRAME_BYTES });
    expect(String(error)).toMatch(new RegExp(`${DEFAULT_MAX_FRAME_BYTES}-byte frame limit.*nothing was sent.*stream`));
    a.send('still here');
    expect(await heard(net, b)).toEqual([['still here']]);
  });
});
