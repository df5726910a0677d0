/**
 * The Link and Transport contracts (test/contract/) for the Node transports py2p and js2p speak:
 * raw TCP, TLS and WebSocket, over real sockets on 127.0.0.1.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeLinkContract, type LinkPair } from '../contract/link-contract.js';
import { describeTransportContract } from '../contract/transport-contract.js';
import { MeshSocket, TcpTransport, systemClock, systemRandom, type Link, type TcpEncryption } from '../../packages/web2p/src/node/index.js';
import { selfSignedCertificate } from '../../packages/web2p/src/node/certificate.js';

/** The id a transport's owner would pass to listen(); these transports need none. */
const LOCAL = { id: 'contract', relaySignal: () => false };

async function linkPair(encryption: TcpEncryption): Promise<LinkPair> {
  const server = new TcpTransport({ encryption });
  const client = new TcpTransport({ encryption });
  let accepted: ((link: Link) => void) | undefined;
  const b = new Promise<Link>((resolve) => (accepted = resolve));
  await server.listen((link) => accepted!(link), LOCAL);
  await client.listen(() => {}, LOCAL);
  const a = await client.dial(server.address!);
  return { a, b: await b, cleanup: () => Promise.all([client.close(), server.close()]).then(() => {}) };
}

/** Port 1 on loopback: privileged and unused, so a connection there is refused at once. */
const REFUSED_PORT = 1;

for (const encryption of ['Plaintext', 'SSL', 'ws'] as const) {
  describeLinkContract(`${encryption} (TcpTransport)`, () => linkPair(encryption));
  describeTransportContract(`${encryption} (TcpTransport)`, async () => ({
    async endpoint() {
      const transport = new TcpTransport({ encryption, listen: { host: '127.0.0.1', port: 0 } });
      const accepted: Link[] = [];
      await transport.listen((link) => accepted.push(link), LOCAL);
      return { transport, id: LOCAL.id, accepted };
    },
    unreachable: () => new TcpTransport({ encryption }).addressFromWire(['127.0.0.1', REFUSED_PORT], '')!,
    concurrentDials: 16,
    cleanup: async () => {},
  }));
}

describe('TcpTransport addresses', () => {
  it('names its scheme, advertises the bound port, and maps wire addresses back', async () => {
    const transport = new TcpTransport({ encryption: 'ws', listen: { host: '127.0.0.1', port: 0 } });
    await transport.listen(() => {}, LOCAL);
    try {
      const [host, port] = transport.wireAddress();
      expect(host).toBe('127.0.0.1');
      expect(port).toBeGreaterThan(0);
      expect(transport.address).toBe(`ws://127.0.0.1:${port}`);
      expect(transport.addressFromWire(['10.0.0.1', 44565], '')).toBe('ws://10.0.0.1:44565');
      // WebRTC peers advertise port 0: not ours to dial.
      expect(transport.addressFromWire(['webrtc', 0], 'someone')).toBeUndefined();
      // A path is a signaling room, which is WebRTC's.
      expect(transport.accepts('ws://127.0.0.1:8787/room')).toBe(false);
      expect(transport.accepts(`ws://127.0.0.1:${port}`)).toBe(true);
      expect(transport.accepts(`tcp://127.0.0.1:${port}`)).toBe(false);
    } finally {
      await transport.close();
    }
  });

  it('advertises outAddr when given, and a LAN (or loopback) IPv4 address for 0.0.0.0', () => {
    expect(new TcpTransport({ outAddr: ['example.org', 4444] }).wireAddress()).toEqual(['example.org', 4444]);
    const [host] = new TcpTransport({ listen: { host: '0.0.0.0', port: 4444 } }).wireAddress();
    expect(host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(host).not.toBe('0.0.0.0');
  });

  it("a MeshSocket's `listening` resolves once its address carries the bound port", async () => {
    const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 } });
    expect(sock.address).toBe(''); // nothing is bound yet
    await sock.listening;
    expect(sock.address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    await sock.close();
  });

  it('refuses an encryption it does not speak', () => {
    expect(() => new TcpTransport({ encryption: 'wss' })).toThrow(/unknown encryption/);
  });
});

describe('self-signed certificate', () => {
  it('is a valid X.509 certificate signed by its own key, valid from a day back for ten years', () => {
    const now = Date.UTC(2030, 5, 15, 12, 0, 0);
    const clock = { ...systemClock, now: () => now };
    const cert = new X509Certificate(selfSignedCertificate(clock, systemRandom).cert);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=web2p');
    expect(new Date(cert.validFrom).getTime()).toBe(now - 24 * 60 * 60 * 1000);
    expect(new Date(cert.validTo).getTime()).toBe(Date.UTC(2040, 5, 15, 12, 0, 0));
  });

  it('writes dates after 2049 as GeneralizedTime', () => {
    const clock = { ...systemClock, now: () => Date.UTC(2045, 0, 1) };
    const cert = new X509Certificate(selfSignedCertificate(clock, systemRandom).cert);
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2055);
  });
});
