/**
 * A NAT lab in network namespaces (root only): a "public" segment, a bridge in namespace `pub`
 * (10.99.0.0/24, the servers on 10.99.0.1), and homes, each a namespace behind a router namespace
 * that masquerades its home network (10.10.N.0/24) onto the public segment: endpoint-independent
 * mapping (cone) with plain MASQUERADE, address-and-port-dependent (symmetric) with --random-fully.
 * Every address lives inside namespaces the lab creates; `teardown()` deletes them all (deleting a
 * namespace deletes its veth pairs and rules), and runs at exit too, so a failed run leaves nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export type NatKind = 'cone' | 'symmetric';

/** The public address of the lab's servers (signaling, STUN/TURN) and of pages placed in `pub`. */
export const PUBLIC_IP = '10.99.0.1';
const PUBLIC_PREFIX = '10.99.0';

export interface Home {
  /** The namespace a page behind this NAT runs in. */
  ns: string;
  kind: NatKind;
}

/** Why the lab cannot run here, or undefined when it can (root, `ip`, `iptables`). */
export function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_NET_ADMIN (CI runs as root)';
  for (const tool of ['ip', 'iptables']) {
    try {
      execFileSync(tool, ['-V'], { stdio: 'ignore' });
    } catch {
      return `no \`${tool}\` (apt-get install ${tool === 'ip' ? 'iproute2' : 'iptables'})`;
    }
  }
  try {
    const probe = `w2pprobe${randomBytes(3).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  } catch {
    return 'cannot create network namespaces here (a container without CAP_SYS_ADMIN?)';
  }
  return undefined;
}

export class NatLab {
  /** A prefix of its own, so that labs of parallel runs never share a namespace name. */
  readonly #tag = `w2p${randomBytes(3).toString('hex')}`;
  readonly #namespaces: string[] = [];
  readonly #onExit = (): void => this.teardown();
  #homes = 0;
  readonly pub: string;

  constructor() {
    process.once('exit', this.#onExit);
    this.pub = this.#namespace('pub');
    this.#building(() => {
      this.#in(this.pub, 'ip', 'link', 'set', 'lo', 'up');
      this.#in(this.pub, 'ip', 'link', 'add', 'name', 'segment', 'type', 'bridge');
      this.#in(this.pub, 'ip', 'addr', 'add', `${PUBLIC_IP}/24`, 'dev', 'segment');
      this.#in(this.pub, 'ip', 'link', 'set', 'segment', 'up');
      // Browsers gather no host candidate without a default route; the segment is the whole "internet".
      this.#in(this.pub, 'ip', 'route', 'add', 'default', 'dev', 'segment');
    });
  }

  /** A home behind a new router of `kind`, with its own public address on the segment. */
  addHome(kind: NatKind): Home {
    return this.#building(() => this.#addHome(kind));
  }

  /** Runs a step of the build; if it fails, the lab is torn down before the error goes on. */
  #building<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.teardown();
      throw error;
    }
  }

  #addHome(kind: NatKind): Home {
    const n = ++this.#homes;
    const router = this.#namespace(`r${n}`);
    const home = this.#namespace(`h${n}`);
    const wanIp = `${PUBLIC_PREFIX}.${10 + n}`;
    const lanPrefix = `10.10.${n}`;
    // router wan <-> bridge in pub
    this.#in(this.pub, 'ip', 'link', 'add', `wan${n}`, 'type', 'veth', 'peer', 'name', 'wan', 'netns', router);
    this.#in(this.pub, 'ip', 'link', 'set', `wan${n}`, 'master', 'segment', 'up');
    // router lan <-> home
    this.#in(router, 'ip', 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', home);
    this.#in(router, 'ip', 'link', 'set', 'lo', 'up');
    this.#in(router, 'ip', 'addr', 'add', `${wanIp}/24`, 'dev', 'wan');
    this.#in(router, 'ip', 'addr', 'add', `${lanPrefix}.1/24`, 'dev', 'lan');
    this.#in(router, 'ip', 'link', 'set', 'wan', 'up');
    this.#in(router, 'ip', 'link', 'set', 'lan', 'up');
    this.#in(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const masquerade = ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'];
    this.#in(router, ...masquerade, ...(kind === 'symmetric' ? ['--random-fully'] : []));
    // A home router drops what nobody inside asked for. Without this, the peer's first hole-punching
    // packet (arriving before ours left) became a conntrack entry here that clashed with our own
    // mapping toward it, so MASQUERADE moved us to another port and cone behaved as symmetric.
    this.#in(router, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP');
    this.#in(home, 'ip', 'link', 'set', 'lo', 'up');
    this.#in(home, 'ip', 'addr', 'add', `${lanPrefix}.2/24`, 'dev', 'eth0');
    this.#in(home, 'ip', 'link', 'set', 'eth0', 'up');
    this.#in(home, 'ip', 'route', 'add', 'default', 'via', `${lanPrefix}.1`);
    return { ns: home, kind };
  }

  /** Deletes every namespace of the lab, with its links and rules; safe to call twice. */
  teardown(): void {
    for (const ns of this.#namespaces.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
    process.off('exit', this.#onExit);
  }

  #namespace(name: string): string {
    const ns = `${this.#tag}-${name}`;
    execFileSync('ip', ['netns', 'add', ns]);
    this.#namespaces.push(ns);
    return ns;
  }

  #in(ns: string, ...command: string[]): void {
    execFileSync('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
