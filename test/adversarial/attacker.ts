/**
 * A malicious peer for the adversarial tests: it holds a real transport link (TCP, or WebRTC through
 * node-datachannel) and writes whatever frames an attack needs: handshakes under other nodes' ids,
 * forged, recorded or honest identity proofs, lying peer lists. It records everything it receives,
 * so a test can count what was diverted to it (a WirePeer with the attacks' vocabulary).
 */
import { createIdentity, nodeIdOf, type Identity } from '../../packages/web2p/src/identity/identity.js';
import { IDENTITY_PROOF_MARKER, NEIGHBOUR_UPDATES_MARKER } from '../../packages/web2p/src/mesh/constants.js';
import { BOUND_PROOF_SUBFLAG, isProofMessage, PROOF_SUBFLAG } from '../../packages/web2p/src/mesh/identity-proof.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { WIRE_PEER_WAIT_MS, WirePeer } from '../support/wire-peer.js';

/** Loopback answers come in milliseconds; this only bounds a failure. */
export const ATTACK_MS = WIRE_PEER_WAIT_MS;

export class Attacker extends WirePeer {
  constructor(link: Link) {
    super(link);
  }

  static async dial(transport: Transport, address: string): Promise<Attacker> {
    const link = await transport.dial(address);
    if (!link) throw new Error(`no link to ${address}`);
    return new Attacker(link);
  }

  /** The id this attacker's handshake claimed. */
  get claimed(): string {
    return this.id;
  }

  send(type: number, payload: Packet[]): void {
    this.write(type, payload);
  }

  /** A handshake claiming `id`; with the proof marker unless `legacy` (then as py2p would). */
  handshake(id: string, protocolId: string, options: { legacy?: boolean; neighbourUpdates?: boolean; addr?: [string, number] } = {}): void {
    const compression = [...(options.legacy ? [] : [IDENTITY_PROOF_MARKER]), ...(options.neighbourUpdates ? [NEIGHBOUR_UPDATES_MARKER] : [])];
    this.sendHandshake(id, protocolId, options.addr ?? ['127.0.0.1', 9], compression);
  }

  hello(nonce: Uint8Array = this.nonce): void {
    this.sendHello(nonce);
  }

  proof(publicKey: Uint8Array, signature: Uint8Array): void {
    this.sendProof(publicKey, signature);
  }

  /** The victim's proof message, once it arrived. */
  peerProof(): Promise<WireMessage> {
    return this.arrival(PROOF_SUBFLAG, 'the peer’s proof');
  }

  /** The victim's bound proof (sent with its handshake over WebRTC), once it arrived. */
  peerBoundProof(): Promise<WireMessage> {
    return this.arrival(BOUND_PROOF_SUBFLAG, 'the peer’s bound proof');
  }

  /** Proves `identity` honestly to the peer `peerId` (an attacker that is a member in its own name). */
  proveAs(identity: Identity, protocolId: string, peerId: string): Promise<void> {
    return this.prove(identity, protocolId, peerId);
  }

  /** Messages other than handshakes and proofs: what an impostor would have been handed. */
  data(): WireMessage[] {
    return this.received.filter((m) => m.payload[0] !== flags.handshake && !isProofMessage(m.payload));
  }

  whenClosed(): Promise<void> {
    return waitFor(() => this.closed, ATTACK_MS, 'the victim to drop the attacker');
  }
}

/** A fresh identity and the id it owns on `protocolId`: an attacker's own, honest name. */
export function ownName(protocolId: string): { identity: Identity; id: string } {
  const identity = createIdentity(systemRandom);
  return { identity, id: nodeIdOf(identity.publicKey, protocolId) };
}
