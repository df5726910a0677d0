// Every entry point's types, used the way an app uses them, compiled without the DOM lib.
import { ChordSocket, LeaseError, MeshSocket, MissingPackageError, SyncSocket, flags, type IceServer, type Packet } from 'web2p';
import { CompositeTransport, nodeWebRtcTransport, tcpTransport, type TcpTransportOptions } from 'web2p/node';
import { SimNetwork, VirtualClock } from 'web2p/sim';
import { decodeMsgpack, encodeMsgpack } from 'web2p/wire';
import { SimplePeerTransport, UnsupportedPeerError } from 'web2p/simple-peer';
import { streams, type IncomingStream } from 'web2p/streams';
import { compileHints } from 'web2p/compile-hints';

const iceServers: IceServer[] = [{ urls: 'stun:stun.example.org' }];
const options: TcpTransportOptions = { listen: { host: '127.0.0.1', port: 0 } };
const simplePeerMesh = new MeshSocket({ transport: new SimplePeerTransport() });
const streaming = new MeshSocket({ streams: streams({ chunkBytes: 16 * 1024 }) });
streaming.on('stream', (stream: IncomingStream) => void stream.bytes());
const bundlerPlugins = [compileHints({ otherModules: /[\\/]node_modules[\\/]simple-peer[\\/]/ })];
const packet: Packet = decodeMsgpack(encodeMsgpack([flags.broadcast, 'x']));
export const used = [ChordSocket, LeaseError, MeshSocket, MissingPackageError, SyncSocket, CompositeTransport, nodeWebRtcTransport, tcpTransport, SimNetwork, VirtualClock, iceServers, options, packet, simplePeerMesh, SimplePeerTransport, UnsupportedPeerError, streaming, bundlerPlugins];
