/**
 * Signaling carried over the mesh: once a node is in the mesh it can open a WebRTC connection to a
 * peer it learned of from a neighbour's peer list without the signaling server, by handing the
 * offer/answer/candidates to that neighbour, which is connected to the target and passes them on.
 *
 * Wire: `whisper ['web2p:signal', to, from, data]`. The sub-flag is a string, outside py2p's integer
 * range, so py2p/js2p peers ignore it as an unknown sub-flag. A message is forwarded only to a direct
 * neighbour, so it travels two hops at most and cannot loop.
 */
import { FrameError } from '../errors.js';
import type { SignalData } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import type { Packet } from '../wire/packet.js';
import type { Connection } from './connection.js';
import type { DebugLog } from './debug.js';
import { packetText } from './handshake.js';
import type { Message } from './message.js';

export const SIGNAL_SUBFLAG = 'web2p:signal';

export interface SignalRelayHost {
  readonly id: string;
  table(): ReadonlyMap<string, Connection>;
  /** Hands signaling data addressed to us to the transport. */
  deliver(from: string, data: SignalData): void;
  debug: DebugLog;
}

export class SignalRelay {
  /** For each peer we heard of, the neighbour whose peer list named it most recently. */
  private readonly via = new Map<string, string>();

  constructor(private readonly host: SignalRelayHost) {}

  /** Remembers that `neighbourId` is connected to each of `peerIds` (from its peer list). */
  learn(neighbourId: string, peerIds: readonly string[]): void {
    for (const peerId of peerIds) this.via.set(peerId, neighbourId);
  }

  forgetNeighbour(neighbourId: string): void {
    this.via.delete(neighbourId);
    for (const [peerId, via] of this.via) if (via === neighbourId) this.via.delete(peerId);
  }

  send(to: string, data: SignalData): boolean {
    const table = this.host.table();
    const conn = table.get(to) ?? table.get(this.via.get(to) ?? '');
    if (!conn) return false;
    conn.send(flags.whisper, SIGNAL_SUBFLAG, to, this.host.id, data as Packet);
    return true;
  }

  handle(msg: Message, _conn: Connection): boolean {
    const payload = msg.wire.payload;
    if (payload[0] !== SIGNAL_SUBFLAG) return false;
    const to = packetText(payload[1]);
    const from = packetText(payload[2]);
    const data = payload[3];
    if (to === undefined || from === undefined || data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array) {
      throw new FrameError('bad signal message: expected [web2p:signal, to, from, {data}]');
    }
    if (to === this.host.id) {
      this.host.deliver(from, data as SignalData);
    } else {
      const next = this.host.table().get(to);
      if (next) next.send(flags.whisper, SIGNAL_SUBFLAG, to, from, data);
      else this.host.debug.print(3, () => `signal for ${to} dropped: not a neighbour`);
    }
    return true;
  }
}
