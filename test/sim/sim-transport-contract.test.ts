/** The simulator's transport passes the same Transport contract as WebRTC and the Node transports. */
import { describeTransportContract } from '../contract/transport-contract.js';
import { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';

describeTransportContract('SimTransport', async () => {
  const net = new SimNetwork({ seed: 5, latencyMs: [1, 5] });
  // The contract suite waits in real time; keep virtual time flowing underneath it.
  let driving = true;
  const driver = (async () => {
    while (driving) await net.run(5);
  })();
  let count = 0;
  return {
    async endpoint() {
      const transport = net.transport();
      const accepted: Link[] = [];
      const id = `sim${++count}`;
      await transport.listen((link) => accepted.push(link), { id, relaySignal: () => false });
      return { transport, id, accepted };
    },
    unreachable: () => 'sim://999999',
    concurrentDials: 16,
    async cleanup() {
      await net.run(100);
      driving = false;
      await driver;
    },
  };
});
