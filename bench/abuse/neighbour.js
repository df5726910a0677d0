// An honest neighbour of bench:abuse's victim, in a process of its own so its memory is its own
// (what the victim relays to it, floods included, lands here): a SyncSocket linked only to the
// victim that reads its messages as an app does. The parent makes one neighbour the sender ('tick':
// a broadcast every 20 ms tagged with the attack's label, until 'stop-tick', answered with how many
// went out) and the other the receiver ('expect': count that label's tags as they arrive). Reports
// its memory and what it received every 100 ms (report-to-parent.js).
// Usage: forked by bench/abuse.js with the victim's address in argv[2].
import { Protocol, SyncSocket } from '../../packages/web2p/dist/node/index.js';
import { honestTags } from './honest-tags.js';
import { reportToParent } from './report-to-parent.js';

/** The honest sender's pace, as one app message every 20 ms. */
const TICK_MS = 20;

const sock = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol: new Protocol('abuse', 'Plaintext'), maxOutgoing: 0, log: () => {} });
const errors = {};
sock.on('error', (error) => {
  const kind = error.reason ? `${error.name}:${error.reason}` : error.name; // a refused record says why
  errors[kind] = (errors[kind] ?? 0) + 1;
});
const tags = honestTags(sock);
await sock.listening;
await sock.connect(process.argv[2]);

let ticker;
let sent = 0;
process.on('message', (message) => {
  if (message.type === 'tick') {
    sent = 0;
    ticker = setInterval(() => sock.send(`honest ${message.label} ${sent++}`), TICK_MS);
  }
  if (message.type === 'stop-tick') {
    clearInterval(ticker);
    process.send({ type: 'ticked', sent });
  }
  if (message.type === 'exit') sock.close().then(() => process.exit(0));
});
reportToParent(() => ({ peers: sock.routingTable.size, label: tags.label, got: tags.count, errors }));
process.send({ type: 'ready', address: sock.address });
