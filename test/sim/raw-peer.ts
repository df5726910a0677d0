/**
 * A hand-driven peer for tests: it opens a simulated link to a socket and sends whatever frames the
 * test builds, so duplicates, stale timestamps and garbage can be fed in exactly.
 */
import { createMessage, encodeFrame, FrameReader, decodeBody, flags, type Packet, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import type { Link } from '../../packages/web2p/src/transport/types.js';
import type { SimNetwork } from '../../packages/web2p/src/sim/index.js';

export class RawPeer {
  readonly id: string;
  readonly received: WireMessage[] = [];
  closed = false;
  private readonly reader = new FrameReader();

  private constructor(
    readonly net: SimNetwork,
    readonly link: Link,
  ) {
    this.id = makeNodeId(new Uint8Array([1, 2, 3, Math.floor(net.clock.now() % 251)]), 'raw');
    link.attach({
      data: (bytes) => {
        // whisper ids unchecked: a raw peer may announce UNHASHED_WHISPERS_MARKER (PROTOCOL.md §14.11)
        for (const body of this.reader.push(bytes)) this.received.push(decodeBody(body, [], undefined, { whisperIdUnchecked: true }));
      },
      close: () => {
        this.closed = true;
      },
    });
  }

  static async connect(net: SimNetwork, address: string): Promise<RawPeer> {
    const transport = net.transport();
    const link = (await net.clock.whilePending(transport.dial(address)))!;
    return new RawPeer(net, link);
  }

  nowSeconds(): number {
    return Math.floor(this.net.clock.now() / 1000);
  }

  handshake(protocolId: string): void {
    this.sendPackets(flags.whisper, [flags.handshake, this.id, protocolId, ['sim', 9999], []]);
  }

  message(type: number, payload: Packet[], time = this.nowSeconds(), sender = this.id): WireMessage {
    return createMessage(type, sender, time, payload);
  }

  sendPackets(type: number, payload: Packet[], time?: number): WireMessage {
    const msg = this.message(type, payload, time);
    this.sendMessage(msg);
    return msg;
  }

  sendMessage(msg: WireMessage): void {
    this.link.send(encodeFrame(msg));
  }

  sendBytes(bytes: Uint8Array): void {
    this.link.send(bytes);
  }
}
