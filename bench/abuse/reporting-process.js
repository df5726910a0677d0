// The parent side of bench:abuse's processes (the victim and the honest neighbours): forks one,
// keeps its latest 'stats' (report-to-parent.js), tracks its peak RSS over named spans (an attack,
// a round) from every report, and asks it for a fresh report or a forced GC.
import { fork } from 'node:child_process';

/** How long a process may take to start listening or to answer a request before the bench gives up on it. */
const ANSWER_MS = 30_000;

/** Forks `url` with `args` (and `env` over this process's) and resolves once it says 'ready'. */
export async function forkReporting(url, args, { env = {} } = {}) {
  // --expose-gc for 'gc' requests; the heap cap keeps a runaway from taking the machine down
  const child = fork(url, args, { execArgv: ['--expose-gc', '--max-old-space-size=1024'], env: { ...process.env, ...env } });
  let stats;
  const peaks = new Map();
  const waiting = new Map();
  let requests = 0;
  child.on('message', (message) => {
    if (message.type !== 'stats') return;
    stats = message;
    for (const [span, peak] of peaks) peaks.set(span, Math.max(peak, message.rss));
    waiting.get(message.reply)?.(message);
    waiting.delete(message.reply);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const ready = await new Promise((resolve, reject) => {
    child.on('message', (message) => message.type === 'ready' && resolve(message));
    void exited.then((code) => reject(new Error(`${url} exited with ${code} before it was ready`)));
    setTimeout(() => reject(new Error(`${url} not ready in ${ANSWER_MS} ms`)), ANSWER_MS).unref();
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    ...ready,
    get stats() {
      return stats;
    },
    exited,
    alive,
    send: (message) => child.connected && child.send(message),
    /** Sends `message` and resolves with the next message of type `answer` from it. */
    ask: (message, answer) => {
      const answered = new Promise((resolve, reject) => {
        const listen = (reply) => reply.type === answer && (child.off('message', listen), resolve(reply));
        child.on('message', listen);
        void exited.then((code) => reject(new Error(`${url} exited with ${code} before its '${answer}'`)));
      });
      if (child.connected) child.send(message);
      return answered;
    },
    /** Asks for a 'report' now or a 'gc' then a report; resolves with that report. */
    request: (type) =>
      new Promise((resolve, reject) => {
        const id = ++requests;
        waiting.set(id, resolve);
        if (!alive() || !child.send({ type, id })) reject(new Error(`${url} is gone: no '${type}'`));
        setTimeout(() => waiting.has(id) && reject(new Error(`${url} did not answer '${type}' in ${ANSWER_MS} ms`)), ANSWER_MS).unref();
      }),
    /** Starts (or restarts) tracking the peak RSS of `span` from the latest report on. */
    startPeak: (span) => peaks.set(span, stats?.rss ?? 0),
    peak: (span) => peaks.get(span),
    stop: () => {
      if (child.connected) child.send({ type: 'exit' });
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      return exited;
    },
  };
}
