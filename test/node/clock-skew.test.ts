/**
 * Two MeshSockets over TCP whose clocks are 90 s apart: the broadcasts of the one behind reach the
 * other dated more than a minute in its past and are dropped as expired (PROTOCOL.md §4.4, as py2p
 * does). That used to happen without a word; now both ends hear of the gap when they connect
 * (ClockSkewError), and a pair a few seconds apart hears nothing.
 */
import { afterEach, expect, it } from 'vitest';
import { ClockSkewError, flags, MeshSocket, systemClock } from '../../packages/web2p/src/node/index.js';
import { waitFor } from '../contract/wait.js';

/** Loopback links and deliveries take milliseconds; this only bounds a failure. */
const NET_MS = 10_000;

const open: MeshSocket[] = [];
afterEach(async () => {
  for (const sock of open.splice(0)) await sock.close();
});

/** A socket whose clock runs `aheadSeconds` ahead of the system's, with what it emitted as 'error'. */
async function node(aheadSeconds: number): Promise<{ sock: MeshSocket; errors: Error[]; texts: string[] }> {
  const clock = { ...systemClock, now: () => systemClock.now() + aheadSeconds * 1000 };
  const sock = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, clock });
  open.push(sock);
  const errors: Error[] = [];
  sock.on('error', (error) => errors.push(error));
  const texts: string[] = [];
  sock.on('message', (msg) => texts.push(String(msg.packets[1])));
  await sock.listening;
  return { sock, errors, texts };
}

const skews = (errors: Error[]): ClockSkewError[] => errors.filter((error): error is ClockSkewError => error instanceof ClockSkewError);

it('clocks 90 s apart: both ends are told, and the broadcast that is lost for it is the one the error names', async () => {
  const fast = await node(90);
  const us = await node(0);
  await us.sock.connect(fast.sock.address);
  await waitFor(() => skews(fast.errors).length > 0 && skews(us.errors).length > 0, NET_MS, 'a ClockSkewError on both sides');

  const [ours] = skews(us.errors);
  expect(ours!.peerId).toBe(fast.sock.id);
  expect(ours!.aheadSeconds).toBeGreaterThanOrEqual(89);
  expect(ours!.aheadSeconds).toBeLessThanOrEqual(91);
  expect(ours!.message).toMatch(/clock is 9\d s ahead of ours\. Past 60 s apart, broadcasts from the node behind .* are dropped.*: messages are being lost/);
  const [theirs] = skews(fast.errors);
  expect(theirs!.peerId).toBe(us.sock.id);
  expect(theirs!.aheadSeconds).toBe(-ours!.aheadSeconds);
  expect(theirs!.message).toMatch(/clock is 9\d s behind ours\./);
  expect(us.sock.routingTable.get(fast.sock.id)!.clockAheadSeconds).toBe(ours!.aheadSeconds);

  // What the error warns of: our broadcast is dropped as expired by the fast node, while a whisper
  // sent after it on the same link arrives (so the broadcast, read first, was not merely late).
  us.sock.send('broadcast from the slow clock');
  us.sock.send('whisper after it', { flag: flags.whisper, type: flags.whisper });
  await waitFor(() => fast.texts.includes('whisper after it'), NET_MS, 'the whisper');
  expect(fast.texts).not.toContain('broadcast from the slow clock');
  // The other way it is dated in our future, within the waterfall's 600 s, so it arrives.
  fast.sock.send('broadcast from the fast clock');
  await waitFor(() => us.texts.includes('broadcast from the fast clock'), NET_MS, 'the fast node\'s broadcast');
});

it('clocks a few seconds apart are not reported', async () => {
  const near = await node(5);
  const us = await node(0);
  await us.sock.connect(near.sock.address);
  near.sock.send('broadcast');
  await waitFor(() => us.texts.includes('broadcast'), NET_MS, 'the broadcast');
  us.sock.send('and back');
  await waitFor(() => near.texts.includes('and back'), NET_MS, 'the broadcast back');
  expect(skews(near.errors)).toEqual([]);
  expect(skews(us.errors)).toEqual([]);
  expect(us.sock.routingTable.get(near.sock.id)!.clockAheadSeconds).toBeGreaterThanOrEqual(4);
});
