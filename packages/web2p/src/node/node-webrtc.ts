/**
 * WebRTC in Node through node-datachannel, an optional dependency with a native binary: it is
 * imported the first time a WebRTC transport starts listening, so apps that never use WebRTC in
 * Node (TCP peers, the simulator) neither load it nor need it installed.
 */
import WebSocket from 'ws';
import { MissingPackageError } from '../errors.js';
import type { Link, LocalNode, SignalData } from '../transport/types.js';
import type { RTCPeerConnectionConstructor } from '../transport/webrtc/peer-connection.js';
import { WebRtcTransport, type WebRtcTransportOptions } from '../transport/webrtc/webrtc-transport.js';
import { forLibDataChannel } from './turn-credentials.js';

const PACKAGE = 'node-datachannel';

let loading: Promise<RTCPeerConnectionConstructor> | undefined;
let loaded: RTCPeerConnectionConstructor | undefined;

/** node-datachannel's RTCPeerConnection, imported once; MissingPackageError when it is not installed. */
function loadPeerConnection(): Promise<RTCPeerConnectionConstructor> {
  loading ??= import('node-datachannel/polyfill').then(
    (module) => (loaded = module.RTCPeerConnection as unknown as RTCPeerConnectionConstructor),
    (error: unknown) => {
      loading = undefined; // installing the package and retrying works without a restart
      throw (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
        ? new MissingPackageError(PACKAGE, 'WebRTC in Node', { cause: error })
        : error;
    },
  );
  return loading;
}

/**
 * Stands in for node-datachannel's RTCPeerConnection until it is loaded. NodeWebRtcTransport lets
 * nothing make a peer connection before the import finished, so by then `loaded` is set.
 */
class LazyRTCPeerConnection {
  constructor(configuration: ConstructorParameters<RTCPeerConnectionConstructor>[0]) {
    if (!loaded) throw new MissingPackageError(PACKAGE, 'WebRTC in Node');
    return new loaded(forLibDataChannel(configuration));
  }
}

/** Options of `nodeWebRtcTransport(options)`: WebRtcTransport's, without the constructors it fills in. */
export type NodeWebRtcTransportOptions = Omit<WebRtcTransportOptions, 'RTCPeerConnection' | 'WebSocket'>;

/**
 * A WebRtcTransport that loads node-datachannel when it starts listening. Everything that may make
 * a peer connection (a dial, a signal relayed over the mesh) waits for that load first; listening
 * itself starts at once, as the plain transport's does, so a dial right after `listen()` works.
 */
class NodeWebRtcTransport extends WebRtcTransport {
  override listen(onLink: (link: Link) => void, local: LocalNode): Promise<void> {
    const listening = super.listen(onLink, local);
    return loadPeerConnection().then(() => listening);
  }

  override async dial(address: string): Promise<Link | null> {
    await loadPeerConnection();
    return super.dial(address);
  }

  override onRelayedSignal(from: string, data: SignalData): void {
    if (loaded) return super.onRelayedSignal(from, data);
    // Signals wait in order behind the load; if it fails, listen() has already reported why.
    loadPeerConnection().then(() => super.onRelayedSignal(from, data), () => undefined);
  }
}

/**
 * A WebRtcTransport for Node: `new MeshSocket({ transport: nodeWebRtcTransport() })`. Needs the
 * optional package node-datachannel: without it the socket's `listening` rejects with
 * MissingPackageError.
 */
export function nodeWebRtcTransport(options: NodeWebRtcTransportOptions = {}): WebRtcTransport {
  return new NodeWebRtcTransport({
    ...options,
    RTCPeerConnection: LazyRTCPeerConnection as unknown as RTCPeerConnectionConstructor,
    WebSocket,
  });
}
