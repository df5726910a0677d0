import { sha256 } from './sha2.js';
import { bytesToBase58 } from './base58.js';
import { utf8 } from './packet.js';

/** Part of every protocol id: peers of another protocol version reject each other (PROTOCOL.md §0). */
export const PROTOCOL_VERSION = '0.7';

/**
 * A subnet and an encryption name. Only peers with the same id talk to each other (PROTOCOL.md §2.2):
 * `id = base58(int(sha256(subnet + encryption + "0.7")))`.
 */
export class Protocol {
  readonly id: string;

  constructor(
    readonly subnet: string,
    readonly encryption: string = 'Plaintext',
  ) {
    this.id = bytesToBase58(sha256(utf8(subnet + encryption + PROTOCOL_VERSION)));
  }

  /** The same encryption with another subnet (sync appends its leasing digit, §6.1). */
  withSubnet(subnet: string): Protocol {
    return new Protocol(subnet, this.encryption);
  }

  /** A readable form, for logs. */
  toString(): string {
    return `Protocol(${JSON.stringify(this.subnet)}, ${JSON.stringify(this.encryption)})`;
  }
}
