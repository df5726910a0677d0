/**
 * One hand-written wire client for the tests, over any Link (a simulated one, TCP, WebRTC): it
 * sends whatever frames, handshakes and bytes a test builds, records every message that arrives,
 * and can prove an identity on the link as PROTOCOL.md §14.14 asks. The tests' raw peers and
 * attackers (test/sim/raw-peer.ts, test/node/raw-tcp-peer.ts, test/adversarial/*attacker.ts) are
 * this client with the API their tests use. Hand-written because a test client must be able to
 * send what the library itself never would.
 */
import { sign, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { packetText } from '../../packages/web2p/src/mesh/handshake.js';
import { decodeProofMessage, encodeHello, encodeProof, HELLO_SUBFLAG, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
import { systemClock, type Clock } from '../../packages/web2p/src/runtime/clock.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import { createMessage, decodeBody, encodeFrame, FrameReader, flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';

/** Loopback answers come in milliseconds; this only bounds a failure. */
export const WIRE_PEER_WAIT_MS = 10_000;

/** Bytes of the nonce a hello carries (§14.14). */
const NONCE_BYTES = 32;

export interface WirePeerOptions {
  /** The id messages go out as; handshake() sets it too. Default empty. */
  id?: string;
  /** Message times come from it (the simulator's clock in simulated tests). Default the system clock. */
  clock?: Clock;
  /** Compression methods the other side may use toward us (what our handshake offered). Default none. */
  compression?: readonly number[];
  /** Whether to decode what arrives into `received`; false only counts bytes (floods). Default true. */
  decode?: boolean;
  /**
   * Whether whisper ids go unchecked (§14.11): a peer that announced UNHASHED_WHISPERS_MARKER gets
   * whispers whose id is not their hash. Default false.
   */
  whisperIdUnchecked?: boolean;
}

export class WirePeer {
  /** The id messages go out as unless a send names another sender. */
  id: string;
  /** Every message received, in order (when decoding). */
  readonly received: WireMessage[] = [];
  /** Bytes received, decoded or not. */
  receivedBytes = 0;
  closed = false;
  /** Resolves when the link ends, from either side. */
  readonly ended: Promise<void>;
  /** The nonce of our hello (§14.14). */
  readonly nonce = systemRandom.bytes(NONCE_BYTES);
  private readonly reader = new FrameReader();
  private readonly clock: Clock;

  constructor(
    readonly link: Link,
    options: WirePeerOptions = {},
  ) {
    this.id = options.id ?? '';
    this.clock = options.clock ?? systemClock;
    const decode = options.decode ?? true;
    const compression = options.compression ?? [];
    const bodyOptions = { whisperIdUnchecked: options.whisperIdUnchecked ?? false };
    let ended!: () => void;
    this.ended = new Promise((resolve) => (ended = resolve));
    link.attach({
      data: (bytes) => {
        this.receivedBytes += bytes.length;
        if (!decode) return;
        for (const body of this.reader.push(bytes)) this.received.push(decodeBody(body, compression, undefined, bodyOptions));
      },
      close: () => {
        this.closed = true;
        ended();
      },
    });
  }

  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** `[type, sender, time, ...payload]` as a message, not sent. */
  message(type: number, payload: Packet[], time = this.nowSeconds(), sender = this.id): WireMessage {
    return createMessage(type, sender, time, payload);
  }

  /** Sends `[type, sender, time, ...payload]` (as `sender`: nothing stops a peer claiming any id). */
  write(type: number, payload: Packet[], options: { time?: number; sender?: string } = {}): WireMessage {
    const msg = this.message(type, payload, options.time, options.sender);
    this.sendMessage(msg);
    return msg;
  }

  sendMessage(msg: WireMessage): void {
    this.link.send(encodeFrame(msg));
  }

  sendBytes(bytes: Uint8Array): void {
    this.link.send(bytes);
  }

  /** A py2p handshake claiming `id` (and sending as it from now on), offering `compression` and markers. */
  sendHandshake(id: string, protocolId: string, addr: [string, number], compression: readonly number[] = []): void {
    this.id = id;
    this.write(flags.whisper, [flags.handshake, id, protocolId, addr, [...compression]]);
  }

  /** §14.14's hello, carrying `nonce`. */
  sendHello(nonce: Uint8Array = this.nonce): void {
    this.write(flags.whisper, encodeHello(nonce));
  }

  /** §14.14's proof message, whatever it signs. */
  sendProof(publicKey: Uint8Array, signature: Uint8Array): void {
    this.write(flags.whisper, encodeProof(publicKey, signature));
  }

  /** The first message received whose first packet is `first` (a sub-flag). */
  find(first: Packet): WireMessage | undefined {
    return this.received.find((m) => m.payload[0] === first);
  }

  /** The first message whose first packet is `first`, once it arrived; rejects when the link closes first. */
  async arrival(first: Packet, what: string): Promise<WireMessage> {
    await waitFor(() => this.find(first) !== undefined || this.closed, WIRE_PEER_WAIT_MS, what);
    const found = this.find(first);
    if (!found) throw new Error(`the link closed before ${what}`);
    return found;
  }

  /** The other side's hello nonce, once it arrived. */
  async peerNonce(): Promise<Uint8Array> {
    const message = decodeProofMessage((await this.arrival(HELLO_SUBFLAG, 'the peer’s hello')).payload);
    if (message.kind !== 'hello') throw new Error('not a hello');
    return message.nonce;
  }

  /**
   * Proves `identity` to the other side as §14.14 asks, once its hello arrived: signs the transcript
   * of our id (the signer), `verifierId` (default: the id its handshake claimed), both nonces and the
   * link's certificate fingerprints (none on TCP). `idProtocolId` is what ids are derived with.
   */
  async prove(identity: Identity, idProtocolId: string, verifierId?: string): Promise<void> {
    const verifierNonce = await this.peerNonce();
    const verifier = verifierId ?? packetText((await this.arrival(flags.handshake, 'the peer’s handshake')).payload[1]);
    if (verifier === undefined) throw new Error('the peer’s handshake names no usable id');
    const transcript = proofTranscript({
      protocolId: idProtocolId,
      signerId: this.id,
      verifierId: verifier,
      signerNonce: this.nonce,
      verifierNonce,
      signerFingerprint: this.link.fingerprints?.local ?? '',
      verifierFingerprint: this.link.fingerprints?.remote ?? '',
    });
    this.sendProof(identity.publicKey, sign(identity, transcript));
  }

  close(): void {
    this.link.close();
  }
}
