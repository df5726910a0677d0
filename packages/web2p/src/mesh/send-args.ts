import { flags } from '../wire/flags.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import type { RequestOptions } from './request-response.js';

/** Options of `socket.send(...packets, options)`: how a message travels and what it means. */
export interface SendOptions {
  /** How it travels: `flags.broadcast` (relayed to everyone, the default) or `flags.whisper`. */
  flag?: number;
  /** What it means to the receiver: `msg.packets[0]`; defaults to `flags.broadcast`. */
  type?: Packet;
}

/**
 * Splits `send(...packets, opts?)`: a trailing plain object whose only keys are `flag`
 * and/or `type` is the options. To send such an object as a packet, pass options after it.
 */
export function parseSendArgs(args: readonly (OutgoingPacket | SendOptions)[]): { packets: OutgoingPacket[]; flag: number; type: Packet } {
  const last = args[args.length - 1];
  if (isOptions<SendOptions>(last, SEND_KEYS)) {
    return {
      packets: args.slice(0, -1) as OutgoingPacket[],
      flag: last.flag ?? flags.broadcast,
      type: last.type ?? flags.broadcast,
    };
  }
  return { packets: args as OutgoingPacket[], flag: flags.broadcast, type: flags.broadcast };
}

/** Splits `request(to, ...packets, opts?)` the same way: options are `timeoutMs` and/or `signal`. */
export function parseRequestArgs(args: readonly (OutgoingPacket | RequestOptions)[]): { packets: OutgoingPacket[]; options: RequestOptions } {
  const last = args[args.length - 1];
  if (isOptions<RequestOptions>(last, REQUEST_KEYS)) return { packets: args.slice(0, -1) as OutgoingPacket[], options: last };
  return { packets: args as OutgoingPacket[], options: {} };
}

const SEND_KEYS: ReadonlySet<string> = new Set(['flag', 'type']);
const REQUEST_KEYS: ReadonlySet<string> = new Set(['timeoutMs', 'signal']);

/** A plain object whose keys are all options of the call (and at least one). */
function isOptions<T>(value: unknown, keys: ReadonlySet<string>): value is T {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const own = Object.keys(value);
  return own.length > 0 && own.every((key) => keys.has(key));
}
