// The child side of bench:abuse's processes (the victim and the honest neighbours): every 100 ms
// its memory and whatever `collect()` adds go to the parent as a 'stats' message, and two requests
// are answered at once with a 'stats' message carrying the request's id: 'report' (a reading now,
// rather than up to 100 ms old) and 'gc' (a full GC first, so the heap figures are what is live;
// the process must run with --expose-gc).
/** How often a process reports, and so the resolution of the peaks the parent sees. */
const REPORT_EVERY_MS = 100;

export function reportToParent(collect) {
  const report = async (reply) => {
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const cpu = process.cpuUsage();
    if (process.connected) process.send({ type: 'stats', reply, rss, heapUsed, external, arrayBuffers, cpuMs: (cpu.user + cpu.system) / 1000, ...(await collect()) });
  };
  setInterval(() => void report(), REPORT_EVERY_MS).unref();
  // a process whose bench died has no one to report to: it goes too rather than linger listening
  process.once('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    if (message.type === 'report') await report(message.id);
    if (message.type === 'gc') {
      if (typeof globalThis.gc !== 'function') throw new Error('asked to gc without --expose-gc');
      // twice, a turn apart: what the first one's finalizers and weak callbacks release goes in the second
      globalThis.gc();
      await new Promise((resolve) => setImmediate(resolve));
      globalThis.gc();
      await report(message.id);
    }
  });
  void report();
}
