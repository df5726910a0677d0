/**
 * py2p 0.7.870 peers for the interop tests: each is a Debian Python process running driver.py over
 * the py2p sources inside the js2p@0.7.870 npm package (never copied into this repository), driven
 * in JSON lines over stdin/stdout. Dialect '878' makes it speak py2p 0.7.878 (see driver.py).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Packet } from '../../../packages/web2p/src/node/index.js';

/** Debian's interpreter, which has py2p's dependencies from apt (a pyenv shim on PATH may not). */
export const PYTHON = '/usr/bin/python3';
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'driver.py');
/** The folder holding js2p's copy of py2p 0.7.870. */
const PY2P_DIR = join(dirname(createRequire(import.meta.url).resolve('js2p/package.json')), 'build', 'lib');

export type Dialect = '870' | '878';
export type Py2pEncryption = 'Plaintext' | 'SSL';

export interface Py2pHeard {
  /** The packets after the sub-flag, as msgpack values. */
  packets: Packet[];
  sender: string;
  /** The message's date in seconds (py2p's msg.time). */
  time: number;
}

export interface Py2pState {
  peers: string[];
  awaiting: number;
  heard: Py2pHeard[];
  /** py2p's `status`: 'Nominal', or the exceptions it caught. */
  status: string | string[];
}

type Tagged = unknown;

/** msgpack values as the driver's JSON carries them: bin, floats and maps tagged. */
export function toTagged(value: Packet): Tagged {
  if (value instanceof Uint8Array) return { $bin: Buffer.from(value).toString('hex') };
  if (typeof value === 'number' && !Number.isInteger(value)) return { $float: value };
  if (Array.isArray(value)) return value.map(toTagged);
  if (value !== null && typeof value === 'object') return { $map: Object.entries(value).map(([k, v]) => [k, toTagged(v)]) };
  return value as Tagged;
}

export function fromTagged(value: Tagged): Packet {
  if (Array.isArray(value)) return value.map(fromTagged);
  if (value !== null && typeof value === 'object') {
    const tagged = value as { $bin?: string; $float?: number; $map?: [Tagged, Tagged][] };
    if (tagged.$bin !== undefined) return new Uint8Array(Buffer.from(tagged.$bin, 'hex'));
    if (tagged.$float !== undefined) return tagged.$float;
    const map: { [key: string]: Packet } = {};
    for (const [k, v] of tagged.$map ?? []) map[textOf(fromTagged(k))] = fromTagged(v);
    return map;
  }
  return value as Packet;
}

/** A str or bin as text. */
export function textOf(value: Packet): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
}

export class Py2pNode {
  readonly id: string;
  readonly port: number;
  private readonly answers: Array<(line: { ok?: unknown; error?: string }) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    ready: { id: string; port: number },
    lines: AsyncIterator<string>,
  ) {
    this.id = ready.id;
    this.port = ready.port;
    void (async () => {
      for (let next = await lines.next(); !next.done; next = await lines.next()) this.answers.shift()?.(JSON.parse(next.value));
    })();
  }

  static async start(options: { dialect: Dialect; kind: 'mesh' | 'sync'; subnet: string; encryption: Py2pEncryption; leasing?: boolean }): Promise<Py2pNode> {
    const args = [DRIVER, PY2P_DIR, options.dialect, options.kind, options.subnet, options.encryption, options.leasing ? '1' : '0'];
    const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`py2p driver exited before it was ready:\n${stderr}`);
    const node = new Py2pNode(child, JSON.parse(first.value), lines);
    child.stderr.on('data', (chunk: Buffer) => (node.stderr += chunk.toString()));
    return node;
  }

  /** One command, answered in order. Rejects with py2p's exception when it raised one. */
  call(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const result = this.queue.then(
      () =>
        new Promise((resolve, reject) => {
          if (this.child.exitCode !== null) return reject(new Error(`py2p driver has exited:\n${this.stderr}`));
          this.answers.push((line) => (line.error ? reject(new Error(`py2p: ${line.error}`)) : resolve(line.ok)));
          this.child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
        }),
    );
    this.queue = result.catch(() => undefined);
    return result;
  }

  connect(host: string, port: number): Promise<unknown> {
    return this.call('connect', { host, port });
  }

  /** `send(*packets, flag=..., type=...)`: a broadcast unless told otherwise. */
  send(packets: Packet[], options: { flag?: number; type?: number } = {}): Promise<unknown> {
    return this.call('send', { packets: toTagged(packets), ...options });
  }

  reply(index: number, packets: Packet[]): Promise<unknown> {
    return this.call('reply', { index, packets: toTagged(packets) });
  }

  async state(): Promise<Py2pState> {
    type RawHeard = { packets: Tagged; sender: Tagged; time: number };
    const raw = (await this.call('state')) as { peers: string[]; awaiting: number; heard: RawHeard[]; status: string | string[] };
    const heard = raw.heard.map((h) => ({ packets: (fromTagged(h.packets) as Packet[]).slice(1), sender: textOf(fromTagged(h.sender)), time: h.time }));
    return { ...raw, heard };
  }

  /** The sync dict: key (as text) → [value, owner id, timestamp]. */
  async data(): Promise<Map<string, [Packet, string, number]>> {
    const rows = (await this.call('data')) as [Tagged, Tagged, Tagged, number][];
    return new Map(rows.map(([k, v, owner, ts]) => [textOf(fromTagged(k)), [fromTagged(v), textOf(fromTagged(owner)), ts]]));
  }

  set(key: Packet, value: Packet): Promise<unknown> {
    return this.call('set', { key: toTagged(key), value: toTagged(value) });
  }

  del(key: Packet): Promise<unknown> {
    return this.call('del', { key: toTagged(key) });
  }

  delta(key: Packet, delta: Packet): Promise<unknown> {
    return this.call('delta', { key: toTagged(key), delta: toTagged(delta) });
  }

  /** Sends `renegotiate/compression methods` to every peer, then at once broadcasts `then` if given. */
  renegotiate(methods: number[], then?: Packet[]): Promise<unknown> {
    return this.call('renegotiate', { methods, ...(then ? { then: toTagged(then) } : {}) });
  }

  /** The compression list py2p holds for each peer (what it sends with). */
  async compression(): Promise<number[][]> {
    return (await this.call('compression')) as number[][];
  }

  /** Ends the node; resolves once the process is gone. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end(`${JSON.stringify({ op: 'close' })}\n`);
    await exited;
  }
}

/** Resolves once the async `predicate()` holds; checks every `everyMs`, fails after `timeoutMs`. */
export async function until(predicate: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`until: gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
