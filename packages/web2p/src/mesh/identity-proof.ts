/**
 * The identity proof of a link (PROTOCOL.md §14.4, issue 15): after the py2p handshake, each web2p
 * side proves it holds the key its node id was derived from, so nobody can connect under another
 * node's id. Two web2p-only whispers, which py2p/js2p never see from us unless they dial us first
 * and which they would ignore as unknown sub-flags:
 *
 *   hello   whisper ['web2p:hello', nonce]                     right after our handshake
 *   proof   whisper ['web2p:proof', public key, signature]     once the peer's hello is in
 *   bound   whisper ['web2p:bound-proof', public key, sig]     with our handshake, over WebRTC
 *
 * The signature covers both ids, both nonces, the protocol and (over WebRTC) both DTLS fingerprints
 * (proofTranscript), so it is good for this link alone: a proof recorded on one link fails on any
 * other, whose verifier drew another nonce and has other fingerprints. The dialler's flight is
 * handshake + hello; the answer is handshake + hello + proof; the dialler's proof completes it: one
 * half round trip more than py2p's handshake before the acceptor takes the dialler in.
 *
 * Over WebRTC the DTLS fingerprints already name the link and the signaling named the peer before
 * the channel opened, so each side signs both ids, the protocol and both fingerprints at once and
 * sends that bound proof right behind its handshake: both sides take the other in half a round
 * trip after the channel opens, signing while the channel opens rather than after a hello. A peer
 * that announced BOUND_PROOF_MARKER gets no nonce proof from us once our bound proof is out; an
 * earlier web2p build ignores the bound proof (an unknown sub-flag before the proof) and gets the
 * nonce proof as before. Why a bound proof cannot be replayed elsewhere: PROTOCOL.md §14.14.
 *
 * The messages are plain encode/decode functions; LinkProofs is the per-link state the connection
 * manager drives. Signing and checking use the platform's Ed25519 (identity/ed25519.ts): synchronous
 * in Node and the simulator, WebCrypto's promises in browsers.
 *
 * A peer counts as proven (it joins, and our messages flow to it) only once its proof checked out
 * and the proof of ours that it takes has gone out too: the peer drops what comes from us before
 * that proof, so nothing may overtake it. The peer's proof can come first: its bound proof may
 * arrive before the hello our nonce proof has to sign (a link that had no bound proof of ours, as
 * Chromium's did when it read no fingerprints at channel open). Then the hello proves the peer.
 */
import { FrameError } from '../errors.js';
import { ed25519, whenReady, type MaybePromise } from '../identity/ed25519.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type Identity } from '../identity/keys.js';
import { platformOwnsNodeId } from '../identity/platform-node-id.js';
import type { Random } from '../runtime/random.js';
import type { Link } from '../transport/types.js';
import { encode } from '../wire/msgpack.js';
import type { WireMessage } from '../wire/message.js';
import { bytesEqual, type Packet } from '../wire/packet.js';
import { BOUND_PROOF_MARKER, PROOF_NONCE_BYTES } from './constants.js';
import type { Handshake } from './handshake.js';

/** Strings, outside py2p's integer sub-flags, so py2p/js2p ignore them (as the signal relay's). */
export const HELLO_SUBFLAG = 'web2p:hello';
export const PROOF_SUBFLAG = 'web2p:proof';
export const BOUND_PROOF_SUBFLAG = 'web2p:bound-proof';

/** Signed first, so a proof can never be mistaken for a signature made for another purpose. */
const PROOF_DOMAIN = 'web2p link identity proof v1';
/** Another domain for the bound proof, so neither kind of proof can pass for the other. */
const BOUND_PROOF_DOMAIN = 'web2p link identity proof v2, DTLS-bound';

export function isProofMessage(payload: readonly Packet[]): boolean {
  return payload[0] === HELLO_SUBFLAG || payload[0] === PROOF_SUBFLAG || payload[0] === BOUND_PROOF_SUBFLAG;
}

export function encodeHello(nonce: Uint8Array): Packet[] {
  return [HELLO_SUBFLAG, nonce];
}

export function encodeProof(publicKey: Uint8Array, signature: Uint8Array, bound = false): Packet[] {
  return [bound ? BOUND_PROOF_SUBFLAG : PROOF_SUBFLAG, publicKey, signature];
}

export type ProofMessage = { kind: 'hello'; nonce: Uint8Array } | { kind: 'proof' | 'bound'; publicKey: Uint8Array; signature: Uint8Array };

/** Throws FrameError when the message is not exactly one of the two shapes. */
export function decodeProofMessage(payload: readonly Packet[]): ProofMessage {
  const [subFlag, a, b] = payload;
  if (subFlag === HELLO_SUBFLAG && payload.length === 2 && a instanceof Uint8Array && a.length === PROOF_NONCE_BYTES) {
    return { kind: 'hello', nonce: a };
  }
  if (
    (subFlag === PROOF_SUBFLAG || subFlag === BOUND_PROOF_SUBFLAG) &&
    payload.length === 3 &&
    a instanceof Uint8Array &&
    a.length === PUBLIC_KEY_BYTES &&
    b instanceof Uint8Array &&
    b.length === SIGNATURE_BYTES
  ) {
    return { kind: subFlag === PROOF_SUBFLAG ? 'proof' : 'bound', publicKey: a, signature: b };
  }
  throw new FrameError(`bad ${String(subFlag)} message: expected [hello, nonce(${PROOF_NONCE_BYTES})] or [proof or bound-proof, key(32), signature(64)]`);
}

/** What a proof signs: everything that makes this link this link (see the top of the file). */
export interface ProofContext {
  protocolId: string;
  signerId: string;
  verifierId: string;
  signerNonce: Uint8Array;
  verifierNonce: Uint8Array;
  /** DTLS fingerprints from the SDP over WebRTC; '' on links without them. */
  signerFingerprint: string;
  verifierFingerprint: string;
  /** A bound proof (§14.14): signs no nonces, only over a link with both fingerprints. */
  bound?: boolean;
}

export function proofTranscript(c: ProofContext): Uint8Array {
  if (c.bound) return boundProofTranscript(c);
  return encode([
    PROOF_DOMAIN,
    c.protocolId,
    c.signerId,
    c.verifierId,
    c.signerNonce,
    c.verifierNonce,
    c.signerFingerprint,
    c.verifierFingerprint,
  ]);
}

/** What a bound proof signs: the nonces' part is done by the two DTLS certificates (§14.14). */
function boundProofTranscript(c: ProofContext): Uint8Array {
  return encode([BOUND_PROOF_DOMAIN, c.protocolId, c.signerId, c.verifierId, c.signerFingerprint, c.verifierFingerprint]);
}

/** What a bound proof's context holds for the nonces it does not sign. */
const NO_NONCE = new Uint8Array(0);

/** Both fingerprints of a link that has them, else undefined: only such a link takes bound proofs. */
function boundFingerprints(link: Link): { local: string; remote: string } | undefined {
  const fingerprints = link.fingerprints;
  return fingerprints && fingerprints.local !== '' && fingerprints.remote !== '' ? fingerprints : undefined;
}

/** One link's side of the proof. */
interface LinkProof {
  /** Ours, fresh for this link: the peer must sign it. */
  readonly nonce: Uint8Array;
  /** The peer's, from its hello: we sign it. */
  peerNonce: Uint8Array | undefined;
  /** The peer's handshake, whose id waits for its proof. */
  claim: Handshake | undefined;
  helloSent: boolean;
  /** The id our bound proof went out for, if one did. */
  boundFor: string | undefined;
  /** Our bound and nonce proofs once begun: true once sent, a promise of that while being signed. */
  boundSent: MaybePromise<true> | undefined;
  /** Our bound proof as it went out, for sending again (boundProofSent). */
  boundProof: WireMessage | undefined;
  nonceSent: MaybePromise<true> | undefined;
  /** The peer's proof checked out: no other proof is taken but a copy of this bound proof (its signature). */
  verified: boolean;
  verifiedBound: Uint8Array | undefined;
  /** Verified, and ours is out: the peer joins, later hellos are ignored. */
  proven: boolean;
}

export interface LinkProofsHost {
  readonly identity: Identity;
  readonly id: string;
  /** The protocol id node ids are derived with (the Protocol's, without service suffixes). */
  readonly protocolId: string;
  readonly random: Random;
  /** Sends a web2p whisper on `link`'s connection: the message sent, or undefined when the link is gone. */
  send(link: Link, payload: Packet[]): WireMessage | undefined;
}

/** The outcome of a proof message: nothing yet, or the claim proven, or why it failed. */
export type ProofOutcome = { kind: 'waiting' } | { kind: 'proven'; claim: Handshake } | { kind: 'failed'; peer: string; reason: string };

/** Every link's proof state, for the connection manager. */
export class LinkProofs {
  private readonly links = new WeakMap<Link, LinkProof>();

  constructor(private readonly host: LinkProofsHost) {}

  private of(link: Link): LinkProof {
    let proof = this.links.get(link);
    if (!proof) {
      proof = {
        nonce: this.host.random.bytes(PROOF_NONCE_BYTES),
        peerNonce: undefined,
        claim: undefined,
        helloSent: false,
        boundFor: undefined,
        boundSent: undefined,
        boundProof: undefined,
        nonceSent: undefined,
        verified: false,
        verifiedBound: undefined,
        proven: false,
      };
      this.links.set(link, proof);
    }
    return proof;
  }

  /** Our hello, once per link, right after our handshake. */
  sendHello(link: Link): void {
    const proof = this.of(link);
    if (proof.helloSent) return;
    proof.helloSent = true;
    this.host.send(link, encodeHello(proof.nonce));
  }

  /**
   * Our bound proof, with our handshake, on a link that has both DTLS fingerprints and names the
   * peer's id (WebRTC); nothing on other links. Signed for the id the transport reached.
   */
  sendBoundProof(link: Link): void {
    const fingerprints = boundFingerprints(link);
    const peerId = link.peerId;
    const proof = this.of(link);
    if (!fingerprints || peerId === undefined || proof.boundFor !== undefined) return;
    proof.boundFor = peerId;
    proof.boundSent = this.sign(link, { signerNonce: NO_NONCE, verifierNonce: NO_NONCE, verifierId: peerId }, true);
  }

  /** Our bound proof as it went out on `link`, if it has: sent again when it may have been lost (ConnectionManager.onData). */
  boundProofSent(link: Link): WireMessage | undefined {
    return this.links.get(link)?.boundProof;
  }

  /** The peer's handshake claims `claim.id`; it counts once the peer proves it. Throws FrameError if a second one changes the id. */
  claim(link: Link, claim: Handshake): void {
    const proof = this.of(link);
    if (proof.claim && proof.claim.id !== claim.id) throw new FrameError('a second handshake on one connection changed the node id');
    proof.claim = claim;
    this.trySendProof(link, proof);
  }

  /** Whether the peer's handshake claimed an id on `link` (proven or not). */
  claimed(link: Link): boolean {
    return this.links.get(link)?.claim !== undefined;
  }

  /** Whether the peer's handshake claimed an id that it has not proven yet. */
  pending(link: Link): boolean {
    const proof = this.links.get(link);
    return proof?.claim !== undefined && !proof.proven;
  }

  /**
   * A hello or proof from the peer (FrameError when malformed or out of order). The outcome is a
   * promise while an asynchronous Ed25519 checks the proof (or still signs ours): the connection
   * manager holds the link's later frames until it settles. 'proven' comes once, from the proof or
   * from the hello that let our own proof go out after it.
   */
  receive(link: Link, payload: readonly Packet[]): MaybePromise<ProofOutcome> {
    const message = decodeProofMessage(payload);
    const proof = this.of(link);
    if (!proof.claim) throw new FrameError(`${String(payload[0])} before the handshake that announced it`);
    if (message.kind === 'hello') {
      if (proof.peerNonce) throw new FrameError('a second web2p:hello on one connection');
      proof.peerNonce = message.nonce;
      this.trySendProof(link, proof);
      return this.settle(proof);
    }
    if (proof.verified) {
      // The peer sends its bound proof again when the first may have been lost: a copy changes nothing.
      if (message.kind === 'bound' && proof.verifiedBound && bytesEqual(message.signature, proof.verifiedBound)) return { kind: 'waiting' };
      throw new FrameError('a second identity proof on one connection');
    }
    const fingerprints = boundFingerprints(link);
    if (message.kind === 'bound' && !fingerprints) throw new FrameError('web2p:bound-proof on a connection without DTLS fingerprints to bind it to');
    if (message.kind === 'proof' && !proof.peerNonce) throw new FrameError('web2p:proof before the web2p:hello it answers');
    const claim = proof.claim;
    const owns = platformOwnsNodeId(message.publicKey, claim.id, this.host.protocolId);
    const bound = message.kind === 'bound';
    const transcript = proofTranscript({
      protocolId: this.host.protocolId,
      signerId: claim.id,
      verifierId: this.host.id,
      signerNonce: bound ? NO_NONCE : proof.peerNonce!,
      verifierNonce: bound ? NO_NONCE : proof.nonce,
      signerFingerprint: fingerprints?.remote ?? '',
      verifierFingerprint: fingerprints?.local ?? '',
      bound,
    });
    const valid = ed25519().verify(message.publicKey, transcript, message.signature);
    const checked = (owned: boolean, ok: boolean): MaybePromise<ProofOutcome> => {
      if (!owned) return { kind: 'failed', peer: claim.id, reason: `its key is not the one node id ${claim.id} was derived from` };
      if (!ok) return { kind: 'failed', peer: claim.id, reason: 'its signature does not cover this connection (forged, or replayed from another one)' };
      proof.verified = true;
      if (bound) proof.verifiedBound = message.signature;
      return this.settle(proof);
    };
    // In browsers both answer by WebCrypto's promises (platform-node-id.ts): they run side by side.
    if (owns instanceof Promise || valid instanceof Promise) return Promise.all([owns, valid]).then(([owned, ok]) => checked(owned, ok));
    return checked(owns, valid);
  }

  /** 'proven' once the peer's proof checked out and ours is out (or when it will be); else 'waiting'. */
  private settle(proof: LinkProof): MaybePromise<ProofOutcome> {
    const claim = proof.claim!;
    const ours = takesOurBoundProof(proof) ? proof.boundSent : proof.nonceSent;
    if (!proof.verified || proof.proven || ours === undefined) return { kind: 'waiting' };
    // Set before ours is out, so that no other hello or proof settles it a second time. Kept (the
    // link's state is not deleted) so that a hello arriving later is ignored, not taken for a new link's.
    proof.proven = true;
    const proven: ProofOutcome = { kind: 'proven', claim };
    if (!(ours instanceof Promise)) return proven;
    return ours.then(
      () => proven,
      (error: unknown) => ({ kind: 'failed', peer: claim.id, reason: `we could not sign our own proof (${String(error)})` }),
    );
  }

  /** Our proof goes out once we know whom we prove to and what to sign: the peer's claim and nonce. */
  private trySendProof(link: Link, proof: LinkProof): void {
    if (proof.nonceSent !== undefined || !proof.claim || !proof.peerNonce || !proof.helloSent) return;
    if (takesOurBoundProof(proof)) return;
    proof.nonceSent = this.sign(link, { signerNonce: proof.nonce, verifierNonce: proof.peerNonce, verifierId: proof.claim.id }, false);
  }

  /** Signs and sends our proof: true once sent, at once or (an asynchronous Ed25519) as a promise. */
  private sign(link: Link, context: Pick<ProofContext, 'signerNonce' | 'verifierNonce' | 'verifierId'>, bound: boolean): MaybePromise<true> {
    const { identity } = this.host;
    const transcript = proofTranscript({
      ...context,
      bound,
      protocolId: this.host.protocolId,
      signerId: this.host.id,
      signerFingerprint: link.fingerprints?.local ?? '',
      verifierFingerprint: link.fingerprints?.remote ?? '',
    });
    return whenReady(ed25519().sign(identity, transcript), (signature) => {
      const sent = this.host.send(link, encodeProof(identity.publicKey, signature, bound));
      if (bound) this.of(link).boundProof = sent;
      return true as const;
    });
  }
}

/** Whether the peer takes our bound proof in place of a nonce proof: it went out for the id it claims, and it takes those. */
function takesOurBoundProof(proof: LinkProof): boolean {
  return proof.boundFor !== undefined && proof.boundFor === proof.claim?.id && proof.claim.compression.includes(BOUND_PROOF_MARKER);
}
