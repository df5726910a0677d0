/**
 * A real coturn (Debian's `turnserver`) for tests: STUN and TURN with coturn's REST API
 * credentials (`use-auth-secret`), on an address and port the test picks, its database and pid file
 * in a temporary directory. Ready once coturn says its servers are up; stopped by `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';

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
  let daemon;
  try {
    daemon = await startDaemon(command!, [...prefix, ...args], READY_LINE);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const where = `${options.host}:${options.port}`;
  return { turnUrl: `turn:${where}?transport=udp`, stunUrl: `stun:${where}`, stop };
}
