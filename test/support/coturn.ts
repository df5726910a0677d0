/**
 * A real coturn (Debian's `turnserver`) for tests: STUN and TURN with coturn's REST API
 * credentials (`use-auth-secret`), on an address and port the test picks, its database and pid file
 * in a temporary directory. Ready once coturn says its servers are up; stopped by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** coturn opens its relay threads in well under a second; a loaded CI machine gets ten. */
const READY_TIMEOUT_MS = 10_000;
/** The line coturn logs once every listener and relay thread is up. */
const READY_LINE = 'Total General servers';

export interface Coturn {
  /** `turn:host:port` (UDP) and `stun:host:port`. */
  turnUrl: string;
  stunUrl: string;
  stop(): Promise<void>;
}

export interface CoturnOptions {
  host: string;
  port: number;
  secret: string;
  /** Relay ports; the default range suits one coturn per test. */
  relayPorts?: [number, number];
  /** Run it through this command prefix, e.g. `['ip', 'netns', 'exec', 'pub']`. */
  prefix?: string[];
  /** Let clients relay to loopback peers (tests on 127.0.0.1 only). */
  loopbackPeers?: boolean;
}

export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'web2p-coturn-'));
  const [minPort, maxPort] = options.relayPorts ?? [49_200, 49_400];
  const args = [
    '-n', '--no-cli', '--no-tls', '--no-dtls', '--simple-log', '--log-file=stdout',
    `--listening-ip=${options.host}`, `--relay-ip=${options.host}`, `--listening-port=${options.port}`,
    '--use-auth-secret', `--static-auth-secret=${options.secret}`, '--realm=web2p.test',
    `--min-port=${minPort}`, `--max-port=${maxPort}`,
    `--userdb=${join(dir, 'turndb')}`, `--pidfile=${join(dir, 'turnserver.pid')}`,
    ...(options.loopbackPeers ? ['--allow-loopback-peers'] : []),
  ];
  const [command, ...prefix] = [...(options.prefix ?? []), 'turnserver'];
  const child = spawn(command!, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(child);
  } catch (error) {
    await stop();
    throw error;
  }
  const where = `${options.host}:${options.port}`;
  return { turnUrl: `turn:${where}?transport=udp`, stunUrl: `stun:${where}`, stop };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`coturn not ready within ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('error', (error) => fail(new Error(`cannot run turnserver (apt-get install coturn): ${error.message}`)));
    child.once('exit', (code) => fail(new Error(`turnserver exited with ${code}:\n${log}`)));
    const onData = (chunk: Buffer): void => {
      log += String(chunk);
      if (!log.includes(READY_LINE)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining, so a chatty coturn never blocks on a full pipe
      resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
  });
}
