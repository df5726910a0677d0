/**
 * A hostile peer for the adversarial suite: a hand-written wire client on a real TCP link that
 * speaks py2p frames through the wire codec and sends whatever records a test builds, signed with
 * its own identity (it has no other), forged, or unsigned. It hands over no secret it does not have.
 */
import { connect, type Socket } from 'node:net';
import { createIdentity, nodeIdOf, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { NEIGHBOUR_UPDATES_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { createMessage, decodeBody, encodeFrame, FrameReader, flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';

export class RecordAttacker {
  readonly identity: Identity = createIdentity(systemRandom);
  readonly id: string;
  readonly received: WireMessage[] = [];
  closed = false;
  private readonly reader = new FrameReader();

  private constructor(
    private readonly socket: Socket,
    readonly protocolId: string,
  ) {
    this.id = nodeIdOf(this.identity.publicKey, protocolId);
    socket.on('data', (bytes) => {
      for (const body of this.reader.push(bytes)) this.received.push(decodeBody(body, []));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  /**
   * Connects to a web2p TCP socket at `address` (tcp://host:port) and sends a handshake that passes
   * for a web2p peer's (the relay-pruning marker in its compression list, §14.1).
   */
  static async connect(address: string, protocolId: string): Promise<RecordAttacker> {
    const { hostname, port } = new URL(address);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const attacker = new RecordAttacker(socket, protocolId);
    attacker.send(flags.whisper, [flags.handshake, attacker.id, protocolId, ['127.0.0.1', 1], [NEIGHBOUR_UPDATES_MARKER]]);
    return attacker;
  }

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Sends `[type, sender, time, ...payload]`, as `sender` (anyone's id: nothing stops it claiming one). */
  send(type: number, payload: Packet[], sender = this.id, time = this.nowSeconds()): void {
    this.socket.write(encodeFrame(createMessage(type, sender, time, payload)));
  }

  close(): void {
    this.socket.destroy();
  }
}
