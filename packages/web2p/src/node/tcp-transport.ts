/**
 * py2p's own transports for Node: raw TCP ('Plaintext'), TLS ('SSL') and js2p's WebSocket ('ws'),
 * one per transport, chosen by the protocol's encryption name as py2p and js2p choose them.
 *
 * Addresses: `tcp://host:port`, `tls://host:port`, `ws://host:port` (no path: a path names a
 * signaling room, which is the WebRTC transport's). Peers advertise `[host, port]`.
 */
import { Web2pError } from '../errors.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { systemRandom, type Random } from '../runtime/random.js';
import type { Link, LocalNode, Transport, WireAddress } from '../transport/types.js';
import { selfSignedCertificate, type TlsCredentials } from './certificate.js';
import type { HeldLink } from './held-link.js';
import { DEFAULT_LISTEN } from './constants.js';
import { advertisedHost } from './lan-address.js';
import { hostPort, type Listener, type Stack } from './stack.js';
import { tcpStack, tlsStack } from './stream-stack.js';
import { wsStack } from './ws-stack.js';

/** The encryption names of py2p's Protocol that a TcpTransport speaks. */
export type TcpEncryption = 'Plaintext' | 'SSL' | 'ws';

/** Options of `tcpTransport(options)`: where to listen, what to advertise, which encryption. */
export interface TcpTransportOptions {
  /** Where to accept connections. Port 0 picks a free one. Default 127.0.0.1, port 0. */
  listen?: { host: string; port: number };
  /** What peers are told to dial (py2p's out_addr). Default: the listen address, a LAN address for 0.0.0.0. */
  outAddr?: WireAddress;
  /** Default 'Plaintext'. Must match the sockets' Protocol encryption, or peers reject each other. */
  encryption?: string;
  /** For 'SSL': your own PEM key and certificate. Default: a self-signed one made at listen(). */
  tls?: TlsCredentials;
  clock?: Clock;
  random?: Random;
}

const MAX_PORT = 65_535;

export class TcpTransport implements Transport {
  readonly encryption: TcpEncryption;
  readonly #stack: Stack;
  readonly #listen: { host: string; port: number };
  readonly #outAddr: WireAddress | undefined;
  #listener: Listener | undefined;
  readonly #links = new Set<HeldLink>();
  /** Aborts dials still connecting when the transport closes. */
  readonly #closing = new AbortController();

  constructor(options: TcpTransportOptions = {}) {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    this.encryption = checkEncryption(options.encryption ?? 'Plaintext');
    this.#listen = options.listen ?? DEFAULT_LISTEN;
    this.#outAddr = options.outAddr;
    const credentials = options.tls;
    this.#stack =
      this.encryption === 'SSL'
        ? tlsStack(clock, () => credentials ?? selfSignedCertificate(clock, random))
        : this.encryption === 'ws'
          ? wsStack(clock)
          : tcpStack(clock);
  }

  get address(): string | undefined {
    if (!this.#listener) return undefined;
    const [host, port] = this.wireAddress();
    return this.#url(host, port);
  }

  async listen(onLink: (link: Link) => void, _local: LocalNode): Promise<void> {
    if (this.#closing.signal.aborted) throw new Web2pError('this transport is closed; make a new one');
    const { host, port } = this.#listen;
    this.#listener = await this.#stack.listen(host, port, (link) => {
      if (this.#closing.signal.aborted) link.close();
      else onLink(this.#track(link));
    });
  }

  async dial(address: string): Promise<Link> {
    const target = this.#parse(address);
    if (!target) {
      throw new Web2pError(`this ${this.encryption} transport cannot dial ${address}: use ${this.#stack.scheme}://host:port`);
    }
    if (this.#closing.signal.aborted) throw new Web2pError('this transport is closed; make a new one');
    const link = await this.#stack.dial(target.host, target.port, this.#closing.signal);
    return this.#track(link);
  }

  /** Whether `address` is one this transport dials (see CompositeTransport). */
  accepts(address: string): boolean {
    return this.#parse(address) !== undefined;
  }

  wireAddress(): WireAddress {
    return this.#outAddr ?? [advertisedHost(this.#listen.host), this.#listener?.port ?? this.#listen.port];
  }

  addressFromWire([host, port]: WireAddress, _peerId: string): string | undefined {
    // WebRTC peers advertise port 0 ("reach me by my id"), which no socket can dial.
    const dialable = typeof host === 'string' && host !== '' && Number.isInteger(port) && port > 0 && port <= MAX_PORT;
    return dialable ? this.#url(host, port) : undefined;
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    for (const link of [...this.#links]) link.close();
    await this.#listener?.close();
  }

  #track(link: HeldLink): HeldLink {
    this.#links.add(link);
    link.onEnd(() => this.#links.delete(link));
    return link;
  }

  #url(host: string, port: number): string {
    return `${this.#stack.scheme}://${hostPort(host, port)}`;
  }

  #parse(address: string): { host: string; port: number } | undefined {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return undefined;
    }
    const port = Number(url.port);
    const bare = url.pathname === '' || url.pathname === '/';
    if (url.protocol !== `${this.#stack.scheme}:` || !bare || url.search !== '' || !(port > 0)) return undefined;
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
  }
}

function checkEncryption(encryption: string): TcpEncryption {
  if (encryption === 'Plaintext' || encryption === 'SSL' || encryption === 'ws') return encryption;
  throw new Web2pError(`unknown encryption ${JSON.stringify(encryption)}: Node sockets speak 'Plaintext' (TCP), 'SSL' (TLS) or 'ws'`);
}
