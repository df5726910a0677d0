import { flags } from '../wire/flags.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';

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
  if (isSendOptions(last)) {
    return {
      packets: args.slice(0, -1) as OutgoingPacket[],
      flag: last.flag ?? flags.broadcast,
      type: last.type ?? flags.broadcast,
    };
  }
  return { packets: args as OutgoingPacket[], flag: flags.broadcast, type: flags.broadcast };
}

function isSendOptions(value: unknown): value is SendOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key === 'flag' || key === 'type');
}
