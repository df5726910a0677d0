/**
 * Shared state with SyncSocket, two ways, run on a simulated network (`node shared-state.js`).
 *
 * With leases (the default), the first node to write a key holds it for an hour: others get
 * LeaseError. That is meant for keys each user owns (`cursor:<id>`, `profile:<id>`), not for a key
 * everyone edits. For state everyone edits, `leasing: false` makes the last write win.
 * The two kinds are different protocols (leasing is part of the protocol id): they never connect.
 */
import { LeaseError, SyncSocket } from 'web2p';
import { SimNetwork } from 'web2p/sim';

const net = new SimNetwork({ seed: 7 });

// Leases, as meant: one key per user.
const alice = new SyncSocket({ transport: net.transport() });
const bob = new SyncSocket({ transport: net.transport() });
await bob.connect(alice.address);
alice.set(`cursor:${alice.id}`, { x: 10, y: 20 });
bob.set(`cursor:${bob.id}`, { x: 30, y: 40 });
await net.run(1_000);
console.log('alice sees', [...alice.keys()].length, 'cursors;', 'bob sees', [...bob.keys()].length);
try {
  bob.set(`cursor:${alice.id}`, { x: 0, y: 0 }); // not bob's key
} catch (error) {
  if (!(error instanceof LeaseError)) throw error;
  console.log('bob may not move alice’s cursor: the key is leased to', error.owner === alice.id ? 'alice' : error.owner);
}

// Last writer wins: a title both may edit.
const carol = new SyncSocket({ transport: net.transport(), leasing: false });
const dave = new SyncSocket({ transport: net.transport(), leasing: false });
await dave.connect(carol.address);
carol.set('title', 'draft');
await net.run(1_000);
dave.set('title', 'final'); // allowed: no leases here
await net.run(1_000);
console.log('carol reads the title:', carol.get('title'));

await Promise.all([alice, bob, carol, dave].map((sock) => sock.close()));
