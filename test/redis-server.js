/**
 * A throwaway redis-server on a free loopback port, without persistence, for tests and benchmarks
 * (plain JS so that bench/ can use it too; types in redis-server.d.ts). Readiness is a PING that
 * gets PONG, never a fixed sleep.
 */
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { TOOLS, requireExecutable } from './executables.js';
/** How long redis-server may take to answer its first PING: it is up in milliseconds. */
const READY_TIMEOUT_MS = 10_000;
/** Between PING attempts while it starts: a poll interval, not a wait for the network. */
const POLL_MS = 20;

/** Starts redis-server (on `port`, or a free one) and resolves once it answers. */
export async function startRedis(port) {
  const redisServer = requireExecutable(TOOLS.redisServer);
  const chosen = port ?? (await freePort());
  const child = spawn(redisServer, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Should the caller exit without stop() (a worker torn down, a crash), the server must not outlive it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (error) => resolve(error.message)); // could not start at all
  });
  void exited.then(() => process.off('exit', orphaned));
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([ping(chosen), exited.then((how) => ({ exited: how }))]);
    if (outcome === true) break;
    if (typeof outcome === 'object') throw new Error(`redis-server on port ${chosen} exited (${outcome.exited}) before answering: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${chosen} did not answer PING within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    /** Kills it at once (SIGKILL: an outage, not a shutdown) and resolves once it is gone. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Whether a Redis answers PING on `port` now. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += String(chunk);
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nothing listens on right now (the kernel's choice for an ephemeral listener). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
