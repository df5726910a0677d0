/**
 * Several transports behind one socket, so that one node can bridge networks: browser peers over
 * WebRTC and py2p/js2p peers over TCP, say, with broadcasts relayed between them by the one mesh.
 *
 * The first transport is the primary: its address and wire address are what peers are told, so
 * make it the one that others can dial back (TCP, for js2p peers). Links from every transport go to
 * the socket; a dial goes to the first transport that claims the address (`accepts`), or else to
 * the first that does not say.
 */
import { Web2pError } from '../errors.js';
import type { Link, LocalNode, SignalData, Transport, WireAddress } from './types.js';

/** A transport that can say which addresses it dials (TcpTransport can; WebRtcTransport cannot). */
type Member = Transport & { accepts?(address: string): boolean };

export class CompositeTransport implements Transport {
  readonly transports: readonly Member[];
  readonly #primary: Member;

  constructor(transports: readonly Member[]) {
    const [primary] = transports;
    if (!primary) throw new TypeError('CompositeTransport needs at least one transport');
    this.transports = transports;
    this.#primary = primary;
  }

  get address(): string | undefined {
    return this.#primary.address;
  }

  get compression(): readonly number[] | undefined {
    return this.#primary.compression;
  }

  async listen(onLink: (link: Link) => void, local: LocalNode): Promise<void> {
    await Promise.all(this.transports.map((transport) => transport.listen(onLink, local)));
  }

  onRelayedSignal(from: string, data: SignalData): void {
    for (const transport of this.transports) transport.onRelayedSignal?.(from, data);
  }

  dial(address: string): Promise<Link | null> {
    const transport = this.#dialler(address);
    if (!transport) return Promise.reject(new Web2pError(`none of this socket's transports can dial ${address}`));
    return transport.dial(address);
  }

  preconnect(address: string): void {
    this.#dialler(address)?.preconnect?.(address);
  }

  /** The transport that dials `address`: the first that claims it, or else the first that does not say. */
  #dialler(address: string): Member | undefined {
    return this.transports.find((member) => member.accepts?.(address) === true) ?? this.transports.find((member) => member.accepts === undefined);
  }

  wireAddress(): WireAddress {
    return this.#primary.wireAddress();
  }

  addressFromWire(wire: WireAddress, peerId: string): string | undefined {
    for (const transport of this.transports) {
      const address = transport.addressFromWire(wire, peerId);
      if (address !== undefined) return address;
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((transport) => transport.close()));
  }
}
