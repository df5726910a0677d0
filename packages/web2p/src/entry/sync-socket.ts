/** SyncSocket as the package entry exports it: with the default transport and persistent store registered. */
import './default-transport.js';
import './default-store.js';

export { SyncSocket, type SyncSocketOptions, type SyncEvents, type Key, type Mapping } from '../sync/sync-socket.js';
