/** The simulator's links pass the same Link contract as WebRTC and TCP links. */
import { describeLinkContract } from '../contract/link-contract.js';
import { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';

describeLinkContract('SimLink', async () => {
  const net = new SimNetwork({ seed: 5, latencyMs: [1, 5] });
  const listener = net.transport();
  const dialler = net.transport();
  let accepted: Link | undefined;
  await listener.listen((link) => (accepted = link), { id: 'listener', relaySignal: () => false });
  // The contract suite waits in real time; keep virtual time flowing underneath it.
  let driving = true;
  const driver = (async () => {
    while (driving) await net.run(5);
  })();
  const a = (await dialler.dial(listener.address))!;
  while (!accepted) await net.run(1);
  return {
    a,
    b: accepted,
    async cleanup() {
      await Promise.all([listener.close(), dialler.close()]);
      await net.run(100);
      driving = false;
      await driver;
    },
  };
});
