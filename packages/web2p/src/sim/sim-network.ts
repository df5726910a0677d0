/**
 * SimNetwork: the real sockets over in-memory links, with seeded
 * latency and loss, partitions, heals and crashes, all on one virtual clock. A thousand sockets run
 * in one process, and the same seed gives the same run.
 */
import { ConnectionClosedError, TimeoutError } from '../errors.js';
import { useSyncEd25519 } from '../identity/ed25519.js';
import { nobleEd25519 } from '../identity/noble-ed25519.js';
import { SeededRandom } from '../runtime/random.js';
import type { Link } from '../transport/types.js';
import { SimLink } from './sim-link.js';
import { SimTransport } from './sim-transport.js';
import { VirtualClock } from './virtual-clock.js';

/** Options of `new SimNetwork(options)`: the seed and how the simulated links behave. */
export interface SimNetworkOptions {
  /** Seeds latency, loss and every socket's random source: one seed, one run. Default 1. */
  seed?: number;
  /** One-way latency of each frame, uniform in [min, max] whole ms. Default [5, 40]. */
  latencyMs?: [number, number];
  /** Probability that a frame is lost. Default 0 (links are reliable streams, like TCP/WebRTC). */
  loss?: number;
  /**
   * How long a link cut by a partition or a crash takes to fail at each end: the time TCP or ICE
   * needs to notice a silent peer. Default 5 s.
   */
  failureDetectionMs?: number;
  /**
   * Whether a link can pause its reading (`Link.pause`), as TCP can. False models data channels,
   * which cannot: a receiver then discards what a peer sends over its budget. Default true.
   */
  pausableLinks?: boolean;
}

/** Something with a simulated address: a socket (`sock.address`) or a transport. */
export interface SimNode {
  readonly address: string;
}

/**
 * An in-memory network with virtual time: sockets made with `transport: net.transport()` talk over
 * simulated links with seeded latency and loss, and can be partitioned and crashed. A thousand
 * sockets run in one process; the same seed gives the same run.
 *
 * @example
 * ```ts
 * import { MeshSocket } from 'web2p';
 * import { SimNetwork } from 'web2p/sim';
 *
 * const net = new SimNetwork({ seed: 42, latencyMs: [5, 40] });
 * const a = new MeshSocket({ transport: net.transport() });
 * const b = new MeshSocket({ transport: net.transport() });
 * await b.connect(a.address);
 * a.send('hello');
 * await b.nextMessage();
 * ```
 */
export class SimNetwork {
  readonly clock = new VirtualClock();
  readonly seed: number;
  private readonly random: SeededRandom;
  private readonly minLatency: number;
  private readonly latencySpan: number;
  private readonly loss: number;
  private readonly failureDetectionMs: number;
  /** Whether links can pause their reading (SimNetworkOptions.pausableLinks). */
  readonly pausableLinks: boolean;
  private readonly nodes = new Map<string, SimTransport>();
  private readonly links = new Set<SimLink>();
  /**
   * The same links by the node that owns each end, so closing or crashing one node touches its own
   * links only (a scan of every link per close cost seconds in a 4,000-node run). The other end of
   * each is `link.peer`.
   */
  private readonly linksByNode = new Map<string, Set<SimLink>>();
  private readonly dead = new Set<string>();
  /** Pairs of addresses ("a b", sorted) that cannot reach each other directly (block()). */
  private readonly blocked = new Set<string>();
  /** Address → group number while partitioned; nodes in different groups cannot talk. */
  private groups: Map<string, number> | undefined;
  private nextNumber = 1;
  /** Frames and bytes put on links since the start (for benchmarks). */
  readonly stats = { frames: 0, bytes: 0 };
  /** Sees every frame put on a link, for benchmarks that classify traffic. */
  tap: ((bytes: Uint8Array) => void) | undefined;

  constructor(options: SimNetworkOptions = {}) {
    // Simulated sockets know their ids at once, the same ones for the same seed: their keys are
    // made synchronously (@noble/curves, unless web2p/node's OpenSSL is in use), not by WebCrypto.
    useSyncEd25519(nobleEd25519);
    this.seed = options.seed ?? 1;
    this.random = new SeededRandom(this.seed);
    const [min, max] = options.latencyMs ?? [5, 40];
    this.minLatency = Math.round(min);
    this.latencySpan = Math.round(max) - this.minLatency + 1;
    this.loss = options.loss ?? 0;
    this.failureDetectionMs = options.failureDetectionMs ?? 5_000;
    this.pausableLinks = options.pausableLinks ?? true;
  }

  /** A new node's endpoint; pass it as a socket's `transport`. */
  transport(): SimTransport {
    const transport = new SimTransport(this, this.nextNumber++, this.clock, this.random.fork());
    this.nodes.set(transport.address, transport);
    return transport;
  }

  /** Advances virtual time by `ms`, delivering what is due. */
  run(ms: number): Promise<void> {
    return this.clock.run(ms);
  }

  /** Advances until `done()` holds or `limitMs` pass; resolves to whether it holds. */
  runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    return this.clock.runUntilTrue(done, limitMs);
  }

  /** Splits the network: nodes of different groups cannot reach each other until `heal()`. */
  partition(...groups: SimNode[][]): void {
    this.groups = new Map();
    groups.forEach((group, index) => group.forEach((node) => this.groups!.set(node.address, index)));
    for (const link of [...this.links]) {
      if (!this.reachable(link.localAddress, link.remoteAddress)) {
        link.fail(new ConnectionClosedError('network partition'), this.failureDetectionMs);
      }
    }
  }

  /**
   * `a` and `b` can no longer reach each other directly, as two pages behind symmetric NATs without
   * TURN: dials between them fail and a link between them fails, while both still reach everyone
   * else. For testing what must work through the mesh.
   */
  block(a: SimNode, b: SimNode): void {
    this.blocked.add(pairKey(a.address, b.address));
    for (const link of [...this.links]) {
      if (!this.reachable(link.localAddress, link.remoteAddress)) link.fail(new ConnectionClosedError('blocked'), this.failureDetectionMs);
    }
  }

  /** Ends a partition: every node can reach every other again. */
  heal(): void {
    this.groups = undefined;
  }

  /** Crashes a node: it stops receiving and sending; its peers' links fail after detection time. */
  kill(node: SimNode): void {
    this.dead.add(node.address);
    for (const link of [...(this.linksByNode.get(node.address) ?? [])]) {
      link.fail(new ConnectionClosedError('crashed'), 0);
      link.peer.fail(new ConnectionClosedError(`${node.address} stopped answering`), this.failureDetectionMs);
    }
  }

  /** False once `kill(node)` crashed it. */
  isAlive(node: SimNode): boolean {
    return !this.dead.has(node.address);
  }

  // ------------------------------------------------ used by links and transports

  /** @internal For the simulator's links and transports. */
  latency(): number {
    return this.minLatency + Math.floor(this.random.next() * this.latencySpan);
  }

  /** @internal For the simulator's links and transports. */
  drops(): boolean {
    return this.loss > 0 && this.random.next() < this.loss;
  }

  /** @internal For the simulator's links and transports. */
  countFrame(bytes: Uint8Array): void {
    this.stats.frames++;
    this.stats.bytes += bytes.length;
    this.tap?.(bytes);
  }

  /** @internal For the simulator's links and transports. */
  canCarry(link: SimLink): boolean {
    return this.reachable(link.localAddress, link.remoteAddress);
  }

  private reachable(a: string, b: string): boolean {
    if (this.dead.has(a) || this.dead.has(b) || this.blocked.has(pairKey(a, b))) return false;
    if (!this.groups) return true;
    return (this.groups.get(a) ?? -1) === (this.groups.get(b) ?? -1);
  }

  /** Opens a link after one latency, or fails like an unanswered TCP connect would. */
  dial(from: SimTransport, address: string): Promise<Link> {
    return new Promise((resolve, reject) => {
      const target = this.nodes.get(address);
      const reachable = target?.onLink !== undefined && !target.closed && this.reachable(from.address, address);
      if (!reachable) {
        const why = target ? `${address} is unreachable` : `nothing listens at ${address}`;
        const delay = target && !target.closed ? this.failureDetectionMs : this.latency() * 2;
        this.clock.setTimeout(() => reject(new TimeoutError(why)), delay);
        return;
      }
      this.clock.setTimeout(() => {
        if (!target.onLink || from.closed || !this.reachable(from.address, address)) {
          reject(new ConnectionClosedError(`${address} went away while connecting`));
          return;
        }
        const mine = new SimLink(this, from.address, address, true);
        const theirs = new SimLink(this, address, from.address, false);
        mine.peer = theirs;
        theirs.peer = mine;
        this.links.add(mine).add(theirs);
        for (const link of [mine, theirs]) {
          let own = this.linksByNode.get(link.localAddress);
          if (!own) this.linksByNode.set(link.localAddress, (own = new Set()));
          own.add(link);
        }
        target.onLink(theirs);
        resolve(mine);
      }, this.latency());
    });
  }

  /** @internal For the simulator's links and transports. */
  closeLinksOf(address: string): void {
    for (const link of [...(this.linksByNode.get(address) ?? [])]) link.close();
  }

  /** @internal For the simulator's links and transports. */
  forgetLink(link: SimLink): void {
    this.links.delete(link);
    const own = this.linksByNode.get(link.localAddress);
    own?.delete(link);
    if (own?.size === 0) this.linksByNode.delete(link.localAddress);
  }

  /** Links currently open (for tests and benchmarks). */
  get linkCount(): number {
    return this.links.size;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
