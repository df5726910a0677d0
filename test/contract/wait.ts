/** How often `waitFor` checks its condition: short enough to add no visible latency to a test. */
const POLL_MS = 2;

/**
 * Resolves as soon as `predicate()` is true, checking every few milliseconds; rejects when
 * `timeoutMs` passes first. This is how a test waits for the network: on the condition, with a
 * deadline, never for a fixed time. `what` names the condition in the timeout message.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = predicate.toString()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`waitFor: gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
