/** MeshSocket as the package entry exports it: with the platform's default transport registered. */
import './default-transport.js';

export { MeshSocket, type MeshSocketOptions, type MeshEvents, type HealthEvents, type SocketState, type PeerStats, type SocketStats, type Handler } from '../mesh/mesh-socket.js';
