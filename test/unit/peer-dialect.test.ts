/** What each upstream's handshake tells web2p about the peer (PROTOCOL.md §13.1). */
import { describe, expect, it } from 'vitest';
import { NEIGHBOUR_UPDATES_MARKER, UNHASHED_WHISPERS_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { dialectOf, speaksTls, typedProtocolId } from '../../packages/web2p/src/mesh/peer-dialect.js';
import { flags } from '../../packages/web2p/src/wire/flags.js';
import { utf8, type Packet } from '../../packages/web2p/src/wire/packet.js';

const ID = '3soAb1XFyvZYyqgFNTxcXvzEBU6p8n821ifyVVANipvt';
const PROTOCOL_ID = 'EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD';
const handshake = (id: Packet, protocolId: Packet, compression: number[]): Packet[] => [flags.handshake, id, protocolId, ['127.0.0.1', 4444], compression];

describe('dialectOf', () => {
  it.each([
    ['js2p 0.7.870', handshake(ID, PROTOCOL_ID, [flags.zlib, flags.gzip]), { binProtocolId: false, binIds: false, web2p: false, unhashedWhispers: false }],
    ['py2p 0.7.870', handshake(utf8(ID), PROTOCOL_ID, [flags.snappy, flags.zlib]), { binProtocolId: false, binIds: true, web2p: false, unhashedWhispers: false }],
    ['py2p 0.7.878', handshake(utf8(ID), utf8(PROTOCOL_ID), [flags.zlib]), { binProtocolId: true, binIds: true, web2p: false, unhashedWhispers: false }],
    ['web2p', handshake(ID, PROTOCOL_ID, [flags.zlib, NEIGHBOUR_UPDATES_MARKER]), { binProtocolId: false, binIds: false, web2p: true, unhashedWhispers: false }],
    [
      'web2p taking unhashed whispers',
      handshake(ID, PROTOCOL_ID, [NEIGHBOUR_UPDATES_MARKER, UNHASHED_WHISPERS_MARKER]),
      { binProtocolId: false, binIds: false, web2p: true, unhashedWhispers: true },
    ],
  ])('reads %s', (_name, payload, dialect) => {
    expect(dialectOf(payload)).toEqual(dialect);
  });

  it('types our protocol id as the peer expects it', () => {
    expect(typedProtocolId(PROTOCOL_ID, { binProtocolId: true })).toEqual(utf8(PROTOCOL_ID));
    expect(typedProtocolId(PROTOCOL_ID, { binProtocolId: false })).toBe(PROTOCOL_ID);
  });
});

describe('speaksTls', () => {
  it('tells a TLS ClientHello from a py2p frame header', () => {
    expect(speaksTls(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe(true);
    expect(speaksTls(new Uint8Array([0x00, 0x00, 0x00, 0x35, 0x4a]))).toBe(false);
    expect(speaksTls(new Uint8Array([0x16, 0x03]))).toBe(false);
  });
});
