/**
 * A server process for tests (coturn, a signaling server inside a network namespace): started,
 * ready once it prints `readyLine`, and stopped with SIGTERM. Its output is drained throughout, so a
 * chatty server never blocks on a full pipe, and kept for the error when it fails to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Servers here start in well under a second; a loaded CI machine gets ten. */
const READY_TIMEOUT_MS = 10_000;

export interface Daemon {
  stop(): Promise<void>;
}

export async function startDaemon(command: string, args: readonly string[], readyLine: string): Promise<Daemon> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await ready(child, readyLine, `${command} ${args.join(' ')}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

function ready(child: ChildProcess, readyLine: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`${what}: not ready within ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('error', (error) => fail(new Error(`cannot run ${what}: ${error.message}`)));
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code}:\n${log}`)));
    const onData = (chunk: Buffer): void => {
      log += String(chunk);
      if (!log.includes(readyLine)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (log += String(chunk)));
  });
}
