/**
 * A hostile peer for the adversarial suite: a wire client (WirePeer) on a real TCP link that speaks
 * py2p frames through the wire codec and sends whatever records a test builds, signed with its own
 * identity (it has no other), forged, or unsigned. It hands over no secret it does not have.
 * It proves its own id on the link (PROTOCOL.md §14.14), as any web2p node can: the attacks are
 * those of a member in its own name, not of a stranger the handshake already keeps out.
 */
import { connect } from 'node:net';
import { createIdentity, nodeIdOf, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { StreamLink } from '../../packages/web2p/src/node/stream-link.js';
import { systemClock } from '../../packages/web2p/src/runtime/clock.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { flags, type Packet } from '../../packages/web2p/src/wire/index.js';
import { WirePeer } from '../support/wire-peer.js';

export class RecordAttacker extends WirePeer {
  private constructor(
    link: Link,
    readonly identity: Identity,
    readonly protocolId: string,
    /** The protocol id node ids are derived with (chord's wire id adds its k). */
    private readonly idProtocolId: string,
  ) {
    super(link, { id: nodeIdOf(identity.publicKey, idProtocolId) });
  }

  /**
   * Connects to a web2p TCP socket at `address` (tcp://host:port), sends a handshake that passes
   * for a web2p peer's (the proof and relay-pruning markers in its compression list, §14.1) and
   * proves its own id.
   */
  static async connect(address: string, protocolId: string, idProtocolId = protocolId): Promise<RecordAttacker> {
    const { hostname, port } = new URL(address);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const link = new StreamLink(socket, true, address, systemClock);
    const attacker = new RecordAttacker(link, createIdentity(systemRandom), protocolId, idProtocolId);
    attacker.sendHandshake(attacker.id, protocolId, ['127.0.0.1', 1], [IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER]);
    attacker.sendHello();
    await attacker.prove(attacker.identity, idProtocolId);
    return attacker;
  }

  /** Sends `[type, sender, time, ...payload]`, as `sender` (anyone's id: nothing stops it claiming one). */
  send(type: number, payload: Packet[], sender = this.id, time = this.nowSeconds()): void {
    this.write(type, payload, { sender, time });
  }
}
