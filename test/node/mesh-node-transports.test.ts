/**
 * Two web2p Node peers over each of py2p's Node transports (TCP, TLS, ws on 127.0.0.1): they
 * link, and messages go both ways. The ws client once attached its message listener only after
 * 'open', so the server's handshake frame, arriving with the upgrade, was lost (FrameError: bad
 * checksum) and the peers never linked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MeshSocket, Protocol, type TcpEncryption } from '../../packages/web2p/src/node/index.js';
import { waitFor } from '../contract/wait.js';

const ENCRYPTIONS: readonly TcpEncryption[] = ['Plaintext', 'SSL', 'ws'];
/** Loopback links open in milliseconds; this only bounds a failure. */
const LINK_MS = 5_000;

const open: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sock) => sock.close()));
});

async function peer(encryption: TcpEncryption): Promise<{ sock: MeshSocket; errors: Error[]; texts: string[] }> {
  const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol: new Protocol('pair', encryption) });
  open.push(sock);
  const errors: Error[] = [];
  const texts: string[] = [];
  sock.on('error', (error) => errors.push(error));
  sock.on('message', () => {
    for (let msg = sock.recv(); msg; msg = sock.recv()) texts.push(String(msg.packets.at(-1))) // after the message type;
  });
  await sock.listening;
  return { sock, errors, texts };
}

describe.each(ENCRYPTIONS)('two web2p Node peers over %s', (encryption) => {
  it('link, and broadcasts reach the other side both ways', async () => {
    const a = await peer(encryption);
    const b = await peer(encryption);
    await a.sock.connect(b.sock.address);
    await waitFor(() => a.sock.routingTable.has(b.sock.id) && b.sock.routingTable.has(a.sock.id), LINK_MS, 'both routing tables');
    a.sock.send('from a');
    b.sock.send('from b');
    await waitFor(() => a.texts.includes('from b') && b.texts.includes('from a'), LINK_MS, 'both messages');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
