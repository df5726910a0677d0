/** `sock.state` and its 'state' event on a transport without rendezvous (issue 18), on the simulator. */
import { expect, test } from 'vitest';
import type { SocketState } from '../../packages/web2p/src/index.js';
import { makeNet, meshNodes, until } from './helpers.js';

test('connecting → joined-alone on listening → connected with a peer → joined-alone when it leaves → closed', async () => {
  const net = makeNet({ seed: 3 });
  const [a, b] = meshNodes(net, 2);
  const seen: Array<[SocketState, SocketState]> = [];
  a!.on('state', (state, previous) => seen.push([state, previous]));
  expect(a!.state).toBe('connecting');
  await a!.listening;
  await until(net, () => a!.state === 'joined-alone', 'a to listen');
  await b!.connect(a!.address);
  await until(net, () => a!.state === 'connected', 'a to see b');
  // The state already reads 'connected' inside the peer events.
  let inDisconnect: SocketState | undefined;
  a!.on('disconnect', () => (inDisconnect = a!.state));
  await b!.close();
  await until(net, () => a!.state === 'joined-alone', 'a to be alone again');
  expect(inDisconnect).toBe('joined-alone');
  const closing = a!.close();
  expect(a!.state).toBe('closed');
  await closing;
  expect(seen).toEqual([
    ['joined-alone', 'connecting'],
    ['connected', 'joined-alone'],
    ['joined-alone', 'connected'],
    ['closed', 'joined-alone'],
  ]);
});
