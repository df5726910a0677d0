export * from './errors.js';
export * from './wire/index.js';
export { MeshSocket, type MeshSocketOptions, type MeshEvents, type Handler } from './mesh/mesh-socket.js';
export { Message } from './mesh/message.js';
export { Connection } from './mesh/connection.js';
export type { SendOptions } from './mesh/send-args.js';
export type { Link, LinkHandlers, LocalNode, SignalData, Transport, WireAddress } from './transport/types.js';
export { type Clock, type TimerHandle, systemClock } from './runtime/clock.js';
export { type Random, systemRandom, SeededRandom } from './runtime/random.js';
