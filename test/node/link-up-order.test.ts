/**
 * A message the app sends on hearing of a peer goes ahead of the library's own link-up messages (the
 * peer list, the member beat): the services hear of a new neighbour in a task after 'peer' (issue
 * 20), so a page's first message waits behind them neither at the sender nor at the reader. The
 * services' messages still follow, the peer list first (§6.4). Real TCP on loopback, a real event
 * loop (the order of microtasks and tasks is what this is about); the dialler's link records the
 * frames it sends.
 */
import { afterEach, expect, test } from 'vitest';
import { MeshSocket, flags, tcpTransport } from '../../packages/web2p/src/node/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { FrameReader, decodeBody, type Packet } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { overriding } from '../support/overriding.js';

/** Loopback links open in milliseconds; this only bounds a failure. */
const WAIT_MS = 10_000;

const open: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sock) => sock.close()));
});

/** `link`, with the payload of every frame it sends decoded into `sent`. */
function recording(link: Link, sent: Packet[][]): Link {
  const reader = new FrameReader();
  const send = (bytes: Uint8Array): void => {
    for (const body of reader.push(bytes)) sent.push([...decodeBody(body, [], undefined, { whisperIdUnchecked: true }).payload]);
    link.send(bytes);
  };
  return overriding(link, { send });
}

test('what the app sends once it hears of a peer leaves before the peer list and the member beat', async () => {
  const sent: Packet[][] = [];
  const dialler = tcpTransport({ listen: { host: '127.0.0.1', port: 0 } });
  const dial = dialler.dial.bind(dialler);
  dialler.dial = async (address) => recording(await dial(address), sent);
  const a = new MeshSocket({ transport: dialler });
  const b = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 } });
  open.push(a, b);
  // As an app awaits the peer (bench:browser's pages do): the send runs a few microtasks after 'peer'.
  void new Promise((resolve) => a.once('peer', resolve)).then(() => a.send('first', { flag: flags.whisper, type: flags.whisper }));
  const got: Packet[] = [];
  b.on('message', (msg) => got.push(msg.packets.at(-1)!));
  await b.listening;
  await a.connect(b.address);
  const appMessage = () => sent.findIndex((payload) => payload.includes('first'));
  const peerList = () => sent.findIndex((payload) => payload[0] === flags.peers);
  const memberBeat = () => sent.findIndex((payload) => payload[0] === 'web2p:member');
  await waitFor(() => got.length > 0 && peerList() >= 0 && memberBeat() >= 0, WAIT_MS, 'the first message, the peer list and the member beat');
  expect(got).toEqual(['first']);
  expect(appMessage()).toBeGreaterThan(0); // after the handshake and the proof
  expect(peerList()).toBe(appMessage() + 1); // then the services, the peer list first
  expect(memberBeat()).toBeGreaterThan(peerList());
});
