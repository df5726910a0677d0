/**
 * A hostile peer for the adversarial suite: a hand-written wire client on a real TCP link that
 * speaks py2p frames through the wire codec and sends whatever records a test builds, signed with
 * its own identity (it has no other), forged, or unsigned. It hands over no secret it does not have.
 * It proves its own id on the link (PROTOCOL.md §14.14), as any web2p node can: the attacks are
 * those of a member in its own name, not of a stranger the handshake already keeps out.
 */
import { connect, type Socket } from 'node:net';
import { createIdentity, nodeIdOf, sign, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { packetText } from '../../packages/web2p/src/mesh/handshake.js';
import { decodeProofMessage, encodeHello, encodeProof, HELLO_SUBFLAG, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import { createMessage, decodeBody, encodeFrame, FrameReader, flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';

/** Loopback answers come in milliseconds; this only bounds a failure. */
const PROOF_MS = 10_000;

export class RecordAttacker {
  readonly identity: Identity = createIdentity(systemRandom);
  readonly id: string;
  readonly received: WireMessage[] = [];
  closed = false;
  private readonly reader = new FrameReader();

  private readonly nonce = systemRandom.bytes(32);

  private constructor(
    private readonly socket: Socket,
    readonly protocolId: string,
    /** The protocol id node ids are derived with (chord's wire id adds its k). */
    private readonly idProtocolId: string,
  ) {
    this.id = nodeIdOf(this.identity.publicKey, idProtocolId);
    socket.on('data', (bytes) => {
      for (const body of this.reader.push(bytes)) this.received.push(decodeBody(body, []));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
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
    const attacker = new RecordAttacker(socket, protocolId, idProtocolId);
    attacker.send(flags.whisper, [flags.handshake, attacker.id, protocolId, ['127.0.0.1', 1], [IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER]]);
    attacker.send(flags.whisper, encodeHello(attacker.nonce));
    await attacker.prove();
    return attacker;
  }

  /** Signs the victim's nonce as §14.14 asks, once its handshake and hello arrived. */
  private async prove(): Promise<void> {
    const find = (first: Packet): WireMessage | undefined => this.received.find((m) => m.payload[0] === first);
    await waitFor(() => (find(flags.handshake) !== undefined && find(HELLO_SUBFLAG) !== undefined) || this.closed, PROOF_MS, 'the victim’s handshake and hello');
    const victimId = packetText(find(flags.handshake)?.payload[1]);
    const hello = decodeProofMessage(find(HELLO_SUBFLAG)!.payload);
    if (victimId === undefined || hello.kind !== 'hello') throw new Error('the victim sent no usable handshake and hello');
    const transcript = proofTranscript({
      protocolId: this.idProtocolId,
      signerId: this.id,
      verifierId: victimId,
      signerNonce: this.nonce,
      verifierNonce: hello.nonce,
      signerFingerprint: '', // TCP: no certificate to bind to
      verifierFingerprint: '',
    });
    this.send(flags.whisper, encodeProof(this.identity.publicKey, sign(this.identity, transcript)));
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
