/** SyncSocket as the package entry exports it: with the default transport and persistent store registered. */
import './default-transport.js';
import './default-store.js';
import { useSyncEd25519 } from '../identity/ed25519.js';
import { nobleEd25519 } from '../identity/noble-ed25519.js';

// Signed records bundle @noble/curves anyway (one verifier everywhere): with it, sockets' keys are
// made synchronously, so `id` is known at construction as before (identity/ed25519.ts).
useSyncEd25519(nobleEd25519);

export { SyncSocket, type SyncSocketOptions, type SyncEvents, type Key, type Mapping } from '../sync/sync-socket.js';
