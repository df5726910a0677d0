/** The stream frames and route probes (PROTOCOL.md §14.10): each encodes and decodes back, and malformed ones are FrameErrors. */
import { describe, expect, test } from 'vitest';
import { FrameError } from '../../packages/web2p/src/errors.js';
import {
  decodeRouteFrame,
  decodeStreamFrame,
  encodeRouteFrame,
  encodeStreamFrame,
  type RouteFrame,
  type StreamFrame,
} from '../../packages/web2p/src/mesh/streams/stream-messages.js';
import { decode, encode } from '../../packages/web2p/src/wire/msgpack.js';
import type { Packet } from '../../packages/web2p/src/wire/packet.js';

/** Through msgpack and back, as a peer gets it. */
const overTheWire = (payload: Packet[]): Packet[] => decode(encode(payload)) as Packet[];

describe('stream frames', () => {
  const frames: StreamFrame[] = [
    { kind: 'open', id: 'ab12', from: 'alice', to: 'bob', label: 'photo.jpg', size: 123_456 },
    { kind: 'open', id: 'ab12', from: 'alice', to: 'bob', label: '', size: undefined },
    { kind: 'accept', id: 'ab12', window: 1 << 20 },
    { kind: 'data', id: 'ab12', bytes: new Uint8Array([1, 2, 3]) },
    { kind: 'ack', id: 'ab12', consumed: 0 },
    { kind: 'end', id: 'ab12', total: 2 ** 40 },
    { kind: 'cancel', id: 'ab12', code: 'abort', text: 'user' },
  ];
  test.each(frames)('$kind round-trips', (frame) => {
    expect(decodeStreamFrame(overTheWire(encodeStreamFrame(frame)))).toEqual(frame);
  });

  test.each([
    ['no id', ['web2p:stream', 'ack']],
    ['an id too long', ['web2p:stream', 'ack', 'x'.repeat(65), 1]],
    ['an unknown kind', ['web2p:stream', 'flood', 'a']],
    ['empty data', ['web2p:stream', 'data', 'a', new Uint8Array(0)]],
    ['a negative ack', ['web2p:stream', 'ack', 'a', -1]],
    ['a fractional window', ['web2p:stream', 'accept', 'a', 1.5]],
    ['a size of -2', ['web2p:stream', 'open', 'a', 'f', 't', '', -2]],
    ['a label too long', ['web2p:stream', 'open', 'a', 'f', 't', 'x'.repeat(1025), 1]],
    ['an unknown cancel code', ['web2p:stream', 'cancel', 'a', 'whatever', '']],
  ] as Array<[string, Packet[]]>)('%s is a FrameError', (_, payload) => {
    expect(() => decodeStreamFrame(payload)).toThrow(FrameError);
  });
});

describe('route frames', () => {
  test.each([{ kind: 'find', id: 'r1', to: 'bob' }, { kind: 'found', id: 'r1' }] as RouteFrame[])('$kind round-trips', (frame) => {
    expect(decodeRouteFrame(overTheWire(encodeRouteFrame(frame)))).toEqual(frame);
  });

  test('a find without a target is a FrameError', () => {
    expect(() => decodeRouteFrame(['web2p:stream-route', 'find', 'r1'])).toThrow(FrameError);
  });
});
