/**
 * A malicious peer for the adversarial tests: it holds a real transport link (TCP, or WebRTC through
 * node-datachannel) and writes whatever frames an attack needs: handshakes under other nodes' ids,
 * forged, recorded or honest identity proofs, lying peer lists. It records everything it receives,
 * so a test can count what was diverted to it.
 */
import { createIdentity, nodeIdOf, sign, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { decodeProofMessage, encodeHello, encodeProof, HELLO_SUBFLAG, isProofMessage, PROOF_SUBFLAG, proofTranscript } from '../../packages/web2p/src/mesh/identity-proof.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { createMessage, decodeBody, encodeFrame, FrameReader, flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';

/** Loopback answers come in milliseconds; this only bounds a failure. */
export const ATTACK_MS = 10_000;

export class Attacker {
  readonly received: WireMessage[] = [];
  closed = false;
  /** The id this attacker's handshake claimed. */
  claimed = '';
  readonly nonce = systemRandom.bytes(32);
  private readonly reader = new FrameReader();

  constructor(readonly link: Link) {
    link.attach({
      data: (bytes) => {
        for (const body of this.reader.push(bytes)) this.received.push(decodeBody(body, []));
      },
      close: () => {
        this.closed = true;
      },
    });
  }

  static async dial(transport: Transport, address: string): Promise<Attacker> {
    const link = await transport.dial(address);
    if (!link) throw new Error(`no link to ${address}`);
    return new Attacker(link);
  }

  send(type: number, payload: Packet[]): void {
    this.link.send(encodeFrame(createMessage(type, this.claimed, Math.floor(Date.now() / 1000), payload)));
  }

  /** A handshake claiming `id`; with the proof marker unless `legacy` (then as py2p would). */
  handshake(id: string, protocolId: string, options: { legacy?: boolean; neighbourUpdates?: boolean; addr?: [string, number] } = {}): void {
    this.claimed = id;
    const compression = [...(options.legacy ? [] : [IDENTITY_PROOF_MARKER]), ...(options.neighbourUpdates ? [NEIGHBOUR_UPDATES_MARKER] : [])];
    this.send(flags.whisper, [flags.handshake, id, protocolId, options.addr ?? ['127.0.0.1', 9], compression]);
  }

  hello(nonce: Uint8Array = this.nonce): void {
    this.send(flags.whisper, encodeHello(nonce));
  }

  proof(publicKey: Uint8Array, signature: Uint8Array): void {
    this.send(flags.whisper, encodeProof(publicKey, signature));
  }

  /** The victim's hello nonce, once it arrived. */
  async peerNonce(): Promise<Uint8Array> {
    await waitFor(() => this.find(HELLO_SUBFLAG) !== undefined || this.closed, ATTACK_MS, 'the peer’s hello');
    const hello = this.find(HELLO_SUBFLAG);
    if (!hello) throw new Error('the link closed before the peer’s hello');
    const message = decodeProofMessage(hello.payload);
    if (message.kind !== 'hello') throw new Error('not a hello');
    return message.nonce;
  }

  /** The victim's proof message, once it arrived. */
  async peerProof(): Promise<WireMessage> {
    await waitFor(() => this.find(PROOF_SUBFLAG) !== undefined || this.closed, ATTACK_MS, 'the peer’s proof');
    const proof = this.find(PROOF_SUBFLAG);
    if (!proof) throw new Error('the link closed before the peer’s proof');
    return proof;
  }

  /** Proves `identity` honestly to the peer `peerId` (an attacker that is a member in its own name). */
  async proveAs(identity: Identity, protocolId: string, peerId: string): Promise<void> {
    const peerNonce = await this.peerNonce();
    const transcript = proofTranscript({
      protocolId,
      signerId: this.claimed,
      verifierId: peerId,
      signerNonce: this.nonce,
      verifierNonce: peerNonce,
      signerFingerprint: this.link.fingerprints?.local ?? '',
      verifierFingerprint: this.link.fingerprints?.remote ?? '',
    });
    this.proof(identity.publicKey, sign(identity, transcript));
  }

  /** Messages other than handshakes and proofs: what an impostor would have been handed. */
  data(): WireMessage[] {
    return this.received.filter((m) => m.payload[0] !== flags.handshake && !isProofMessage(m.payload));
  }

  whenClosed(): Promise<void> {
    return waitFor(() => this.closed, ATTACK_MS, 'the victim to drop the attacker');
  }

  private find(subFlag: string): WireMessage | undefined {
    return this.received.find((m) => m.payload[0] === subFlag);
  }
}

/** A fresh identity and the id it owns on `protocolId`: an attacker's own, honest name. */
export function ownName(protocolId: string): { identity: Identity; id: string } {
  const identity = createIdentity(systemRandom);
  return { identity, id: nodeIdOf(identity.publicKey, protocolId) };
}
