import { ConnectionClosedError } from '../errors.js';
import type { Random } from '../runtime/random.js';
import type { Link, LocalNode, Transport, WireAddress } from '../transport/types.js';
import type { SimNetwork } from './sim-network.js';
import type { VirtualClock } from './virtual-clock.js';

/** A simulated node's network endpoint: address `sim://N`, advertised as `['sim', N]`. */
export class SimTransport implements Transport {
  readonly address: string;
  /** In memory, compression only costs CPU; pass `compression` to a socket to exercise it. */
  readonly compression: readonly number[] = [];
  /** Where accepted links go: set by `listen()`, which the socket calls. */
  onLink: ((link: Link) => void) | undefined;
  closed = false;

  constructor(
    private readonly net: SimNetwork,
    readonly number: number,
    readonly clock: VirtualClock,
    readonly random: Random,
  ) {
    this.address = `sim://${number}`;
  }

  /** Sim links need no signaling; the local node is not used. */
  async listen(onLink: (link: Link) => void, _local: LocalNode): Promise<void> {
    this.onLink = onLink;
  }

  dial(address: string): Promise<Link | null> {
    if (this.closed) return Promise.reject(new ConnectionClosedError('this transport is closed'));
    return this.net.dial(this, address);
  }

  wireAddress(): WireAddress {
    return ['sim', this.number];
  }

  addressFromWire([host, port]: WireAddress): string | undefined {
    return host === 'sim' ? `sim://${port}` : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onLink = undefined;
    this.net.closeLinksOf(this.address);
  }
}
