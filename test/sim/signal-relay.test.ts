/** Signaling carried over the mesh (issue 3): offers reach a non-neighbour through a shared neighbour. */
import { expect, test } from 'vitest';
import { MeshSocket, type LocalNode, type SignalData } from '../../packages/web2p/src/index.js';
import { chain, makeNet, until } from './helpers.js';

function relayingNode(net: ReturnType<typeof makeNet>) {
  const transport = net.transport();
  const received: Array<[string, SignalData]> = [];
  let local!: LocalNode;
  const listen = transport.listen.bind(transport);
  transport.listen = (onLink, node) => {
    local = node;
    return listen(onLink, node);
  };
  Object.assign(transport, { onRelayedSignal: (from: string, data: SignalData) => received.push([from, data]) });
  const sock = new MeshSocket({ transport, maxOutgoing: 0 });
  return {
    sock,
    received,
    relay: (to: string, data: SignalData) => local.relaySignal(to, data),
    canRelay: (to: string) => local.canRelaySignal!(to),
  };
}

test('signaling data reaches a peer two hops away through the neighbour that listed it', async () => {
  const net = makeNet();
  const [a, b, c] = [relayingNode(net), relayingNode(net), relayingNode(net)];
  await chain([a.sock, b.sock, c.sock]); // b dials a, c dials b: a and c are not neighbours
  a.sock.requestPeers(); // b's list at a's handshake predates c; ask again, as under-filled nodes do
  expect(a.sock.routingTable.has(c.sock.id)).toBe(false);
  await until(net, () => a.canRelay(c.sock.id), 'a learns that b reaches c');
  await until(net, () => a.relay(c.sock.id, { type: 'offer', sdp: 'v=0' }), 'a learns that b reaches c');
  await until(net, () => c.received.length > 0, 'c gets the offer');
  expect(c.received).toEqual([[a.sock.id, { type: 'offer', sdp: 'v=0' }]]);
  expect(b.received).toEqual([]);
  expect(c.relay(a.sock.id, { type: 'answer', sdp: 'v=0' })).toBe(true);
  await until(net, () => a.received.length > 0, 'a gets the answer');
  expect(a.received).toEqual([[c.sock.id, { type: 'answer', sdp: 'v=0' }]]);
});

test('a peer nobody reaches is refused at once', async () => {
  const net = makeNet();
  const a = relayingNode(net);
  const stranger = '3soAb1XFyvZYyqgFNTxcXvzEBU6p8n821ifyVVANipvt';
  expect(a.canRelay(stranger)).toBe(false);
  expect(a.relay(stranger, { type: 'offer' })).toBe(false);
});
