import { toBase58 } from '../wire/base58.js';
import type { WireMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';

/** What `Message.reply` needs from the socket that received the message. */
export interface ReplyRouter {
  reply(message: Message, packets: Packet[]): Promise<void>;
}

/**
 * A message as the user sees it (py2p's `Message`): the payload as `packets` (sub-flag first), who
 * originated it, when, and its id.
 */
export class Message {
  constructor(
    /** The message as it travelled. */
    readonly wire: WireMessage,
    private readonly router: ReplyRouter,
  ) {}

  /** `[type, ...packets]`: the sub-flag, then what the sender passed to `send()`. */
  get packets(): Packet[] {
    return [...this.wire.payload];
  }

  /** The originator's node id (not the neighbour that relayed it). */
  get sender(): string {
    return this.wire.sender;
  }

  /** Unix seconds at the originator. */
  get time(): number {
    return this.wire.time;
  }

  /** `time` in base58, as py2p prints it. */
  get time58(): string {
    return toBase58(this.wire.time);
  }

  /**
   * The 32-byte SHA-256 digest that identifies the message network-wide. A whisper from another
   * web2p socket may carry 32 zero bytes instead: its id identifies nothing (PROTOCOL.md §14.11).
   */
  get id(): Uint8Array {
    return this.wire.id;
  }

  /**
   * Whispers `packets` back to the sender: straight to it when it is a neighbour; to a web2p member
   * over the mesh route, with no dial (PROTOCOL.md §14.9; resolves once the sender acknowledged it);
   * to a py2p/js2p sender through the routed flow of §4.10. Rejects with TimeoutError when the reply
   * found no way to the sender. On a message received through `request()`, this is the answer.
   */
  reply(...packets: Packet[]): Promise<void> {
    const sent = this.router.reply(this, packets);
    sent.catch(() => {}); // a caller that does not await must not get an unhandled rejection
    return sent;
  }

  /** A readable form, for logs. */
  toString(): string {
    return `Message(type=${String(this.wire.payload[0])}, sender=${this.sender}, packets=${this.wire.payload.length})`;
  }
}
