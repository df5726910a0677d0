/**
 * Checks the ids of large received broadcasts with the platform's async native SHA-256 (browsers:
 * crypto.subtle; wire/message-hash.ts), keeping each link's messages in the order they came.
 *
 * A broadcast's id is what the waterfall deduplicates on (PROTOCOL.md §4.4), so it is checked
 * before the message is used at all: a peer that sent someone else's id with its own body would
 * otherwise have that id remembered as seen, suppressing the real broadcast. Here the check only
 * moves off the main thread's pure-JS SHA-256: a message whose id is being hashed waits, and so does
 * everything that came after it on the same link (whispers, handshakes, renegotiations alike),
 * until it is checked; then they are taken in arrival order. A wrong id is a FrameError, and the
 * peer is dropped as for any bad checksum.
 *
 * What waits is bounded by what a link delivers while one digest runs: the native hash takes
 * 64 KiB in under 0.1 ms, faster than any data channel carries it, and each message was admitted
 * by the per-peer budgets (connection-limits.ts) before it was decoded.
 */
import { FrameError } from '../errors.js';
import type { AsyncMessageHash } from '../wire/message-hash.js';
import type { WireMessage } from '../wire/message.js';
import { bytesEqual } from '../wire/packet.js';

export interface IdVerifierHost<Peer> {
  /** Takes a message in, as if it had just arrived (its id checked). */
  take(peer: Peer, wire: WireMessage): void;
  /** The peer sent a message whose id is not the SHA-256 of its body: drop it. */
  refuse(peer: Peer, error: FrameError): void;
  /** Whether the peer's connection has ended (what still waits is then let go). */
  closed(peer: Peer): boolean;
}

interface Waiting {
  wire: WireMessage;
  /** 'hashing' until the digest is in, then whether the id matched. */
  state: 'hashing' | 'ok' | 'bad';
}

export class IdVerifier<Peer> {
  /** Per peer, its messages that wait, oldest first; absent when none waits. */
  readonly #waiting = new Map<Peer, Waiting[]>();

  constructor(
    private readonly digest: AsyncMessageHash,
    private readonly host: IdVerifierHost<Peer>,
  ) {}

  /**
   * True when `wire` has to wait (its id is unchecked, or an earlier message from `peer` waits):
   * it is then taken later, through the host. False: take it now.
   */
  hold(peer: Peer, wire: WireMessage): boolean {
    let queue = this.#waiting.get(peer);
    if (!wire.idUnverified && queue === undefined) return false;
    if (queue === undefined) this.#waiting.set(peer, (queue = []));
    const entry: Waiting = { wire, state: wire.idUnverified ? 'hashing' : 'ok' };
    queue.push(entry);
    if (entry.state === 'hashing') {
      this.digest(wire.body).then(
        (id) => this.#checked(peer, entry, id),
        // the native digest failed (it should not): check in JS rather than lose the message
        () => this.#checked(peer, entry, undefined),
      );
    }
    return true;
  }

  /** Lets go of what waits for `peer` (its connection ended). */
  forget(peer: Peer): void {
    this.#waiting.delete(peer);
  }

  #checked(peer: Peer, entry: Waiting, digest: Uint8Array | undefined): void {
    entry.state = sameId(entry.wire, digest) ? 'ok' : 'bad';
    const queue = this.#waiting.get(peer);
    if (queue === undefined) return; // forgotten meanwhile
    while (queue.length > 0 && queue[0]!.state !== 'hashing') {
      const next = queue.shift()!;
      if (this.host.closed(peer)) break;
      if (next.state === 'bad') {
        this.#waiting.delete(peer);
        this.host.refuse(peer, new FrameError('bad checksum: the id is not the SHA-256 of the packets'));
        return;
      }
      this.host.take(peer, next.wire);
    }
    if (queue.length === 0 || this.host.closed(peer)) this.#waiting.delete(peer);
  }
}

/** Whether `digest` (or, when the native digest failed, a JS hash of the body) is the id `wire` came with. */
function sameId(wire: WireMessage, digest: Uint8Array | undefined): boolean {
  return digest === undefined ? wire.verifyIdInJs() : bytesEqual(digest, wire.id);
}
