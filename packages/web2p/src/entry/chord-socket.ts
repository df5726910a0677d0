/** ChordSocket as the package entry exports it: with the default transport and persistent store registered. */
import './default-transport.js';
import './default-store.js';

export { ChordSocket, type ChordSocketOptions, type ChordEvents, type ChordKey, type LookupInfo, type NodeEntry, type RingState } from '../chord/chord-socket.js';
