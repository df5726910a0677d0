/**
 * A hand-driven peer for tests: it opens a simulated link to a socket and sends whatever frames the
 * test builds, so duplicates, stale timestamps and garbage can be fed in exactly (a WirePeer on the
 * simulator's clock).
 */
import { flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { WirePeer } from '../support/wire-peer.js';

export class RawPeer extends WirePeer {
  private constructor(
    readonly net: SimNetwork,
    link: Link,
  ) {
    // whisper ids unchecked: a raw peer may announce UNHASHED_WHISPERS_MARKER (PROTOCOL.md §14.11)
    super(link, {
      id: makeNodeId(new Uint8Array([1, 2, 3, Math.floor(net.clock.now() % 251)]), 'raw'),
      clock: net.clock,
      whisperIdUnchecked: true,
    });
  }

  static async connect(net: SimNetwork, address: string): Promise<RawPeer> {
    const transport = net.transport();
    const link = (await net.clock.whilePending(transport.dial(address)))!;
    return new RawPeer(net, link);
  }

  handshake(protocolId: string): void {
    this.sendHandshake(this.id, protocolId, ['sim', 9999]);
  }

  sendPackets(type: number, payload: Packet[], time?: number): WireMessage {
    return this.write(type, payload, { time });
  }
}
