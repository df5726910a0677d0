/**
 * The signaling wire protocol's one module (packages/web2p/src/signaling/messages.ts), as the
 * client and the server both use it: what one encodes the other accepts, hostile frames are
 * refused with the right code, and the two ends' errors have distinct names.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  encodeServerMessage,
  parseClientMessage,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../packages/web2p/src/signaling/index.js';
import { SignalingError } from '../../packages/web2p/src/errors.js';
import { ProtocolError, SignalingServerError } from '../../signaling-server/src/errors.js';
import { parseClientMessage as serverParse } from '../../signaling-server/src/messages.js';

const A = '5Hk3xTq';
const B = '9zQmPwR';

describe('client to server', () => {
  it.each<ClientMessage>([
    { type: 'join', id: A },
    { type: 'signal', to: B, data: { session: 's1', signal: { type: 'offer', sdp: 'v=0' } } },
    { type: 'ping' },
  ])('the server accepts what the client encodes: %j', (message) => {
    expect(parseClientMessage(encodeClientMessage(message))).toEqual(message);
  });

  it.each([
    ['not JSON', '{', 'bad-json'],
    ['an array', '[]', 'bad-message'],
    ['no type', '{}', 'bad-message'],
    ['an unknown type', '{"type":"shout"}', 'unknown-type'],
    ['a bad id', '{"type":"join","id":"0OIl"}', 'bad-message'],
    ['an id too long', JSON.stringify({ type: 'join', id: '1'.repeat(129) }), 'bad-message'],
    ['a signal without data', `{"type":"signal","to":"${B}"}`, 'bad-message'],
  ])('refuses %s with its code', (_, frame, code) => {
    expect(parseClientMessage(frame)).toMatchObject({ code });
    expect(() => serverParse(frame)).toThrow(ProtocolError);
  });

  it('a field named like a rejection does not pass for one', () => {
    expect(parseClientMessage(`{"type":"join","id":"${A}","code":"bad-json","problem":"x"}`)).toEqual({ type: 'join', id: A });
  });

  it('quotes a long hostile string only in part', () => {
    const refused = parseClientMessage(JSON.stringify({ type: 'x'.repeat(10_000) }));
    expect('problem' in refused && refused.problem.length).toBeLessThan(200);
  });
});

describe('server to client', () => {
  it.each<ServerMessage>([
    { type: 'peers', ids: [A, B] },
    { type: 'joined', id: A },
    { type: 'left', id: B },
    { type: 'signal', from: A, data: [1, 'two'] },
    { type: 'pong' },
    { type: 'error', code: 'unknown-peer', message: 'gone', id: B },
    { type: 'error', code: 'id-taken', message: 'taken' },
  ])('the client accepts what the server encodes: %j', (message) => {
    expect(parseServerMessage(encodeServerMessage(message))).toEqual(message);
  });

  it.each([
    ['not JSON', 'nope'],
    ['a number', '7'],
    ['an unknown type', '{"type":"welcome"}'],
    ['joined without an id', '{"type":"joined"}'],
    ['a signal from a bad id', '{"type":"signal","from":"0OIl","data":1}'],
    ['an error with an unknown code', '{"type":"error","code":"teapot","message":"x"}'],
    ['peers that are not a list', '{"type":"peers","ids":"all"}'],
  ])('ignores %s', (_, frame) => {
    expect(parseServerMessage(frame)).toBeUndefined();
  });

  it('keeps only the valid ids of a peers list', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'peers', ids: [A, 7, '0OIl', B] }))).toEqual({ type: 'peers', ids: [A, B] });
  });
});

it("the client's and the server's errors have distinct names", () => {
  expect(new SignalingError('x').name).toBe('SignalingError');
  expect(new SignalingServerError('x').name).toBe('SignalingServerError');
  expect(new ProtocolError('bad-json', 'x')).toBeInstanceOf(SignalingServerError);
});
