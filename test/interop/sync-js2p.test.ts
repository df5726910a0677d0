/**
 * SyncSocket against js2p@0.7.870's SyncSocket, leasing on and off, over each js2p transport.
 *
 * Our replicas merge by a convergent "later write wins" order (sync/merge.ts) where js2p applies
 * PROTOCOL.md §6.3 as it stands; the two agree whenever no two nodes claim a key at once, which is
 * what these tests do: every write waits until the previous one has arrived everywhere.
 */
import { describe, expect, it } from 'vitest';
import { LeaseError } from '../../packages/web2p/src/node/index.js';
import { ENCRYPTIONS, HOST, NETWORK_MS, js2pSync, linked, waitFor, webSync, type Js2pNode, type WebNode } from './js2p-helpers.js';
import type { SyncSocket } from '../../packages/web2p/src/node/index.js';

/** What js2p holds for `key`, in the shape our get() gives (js2p keeps keys as text). */
const js2pValue = (node: Js2pNode, key: string): unknown => node.sock.data[key];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function holdsEverywhere(web: WebNode<SyncSocket>[], js: Js2pNode[], key: string, value: unknown): boolean {
  return web.every((node) => same(node.sock.get(key), value)) && js.every((node) => same(js2pValue(node, key), value));
}

async function expectEverywhere(web: WebNode<SyncSocket>[], js: Js2pNode[], entries: Record<string, unknown>): Promise<void> {
  try {
    await waitFor(() => Object.entries(entries).every(([key, value]) => holdsEverywhere(web, js, key, value)), NETWORK_MS, `${Object.keys(entries).join(', ')} on every node`);
  } catch (error) {
    // Which node lacks which value, and whether a link or a js2p handler failed: a timeout alone
    // cannot tell a lost write from a dropped link.
    throw new Error(`${(error as Error).message}; ${whatEachHolds(web, js, Object.keys(entries))}`, { cause: error });
  }
}

function whatEachHolds(web: WebNode<SyncSocket>[], js: Js2pNode[], keys: string[]): string {
  const holds = (get: (key: string) => unknown) => keys.map((key) => `${key}=${JSON.stringify(get(key))}`).join(' ');
  const webLines = web.map((node) => `web2p ${node.sock.id} holds ${holds((key) => node.sock.get(key))}, links [${[...node.sock.routingTable.keys()].join(', ')}], errors [${node.errors.map(String).join('; ')}]`);
  const jsLines = js.map((node) => `js2p ${node.id} holds ${holds((key) => js2pValue(node, key))}, links [${[...node.sock.routing_table.keys()].join(', ')}], exceptions [${node.sock.exceptions.map(String).join('; ')}]`);
  return [...webLines, ...jsLines].join('; ');
}

describe.each(ENCRYPTIONS)('SyncSocket and js2p over %s', (encryption) => {
  for (const leasing of [true, false]) {
    it(`leasing ${leasing ? 'on' : 'off'}: initial sync both ways, set, update, unicode keys, ints and arrays`, async () => {
      const web = await webSync(encryption, leasing);
      const js = await js2pSync(encryption, leasing);
      // Set before the two meet: each is a late joiner to the other's keys.
      web.sock.set('early web2p', 'from web2p');
      js.sock.set('early js2p', 'from js2p');
      await web.sock.connect(HOST, js.port);
      await waitFor(() => linked(web, js), NETWORK_MS, 'the link');
      await expectEverywhere([web], [js], { 'early web2p': 'from web2p', 'early js2p': 'from js2p' });

      web.sock.set('test', 'hello');
      await expectEverywhere([web], [js], { test: 'hello' });
      js.sock.set('测试', '成功');
      await expectEverywhere([web], [js], { 测试: '成功' });
      web.sock.update({ array: [1, 2, 3, 4, 5, 6, 7, 8, 9], number: 256 });
      js.sock.update({ 'js2p array': ['a', 1, [2]], 'js2p number': 70_000 });
      await expectEverywhere([web], [js], { array: [1, 2, 3, 4, 5, 6, 7, 8, 9], number: 256, 'js2p array': ['a', 1, [2]], 'js2p number': 70_000 });
      // The owner rewrites its own key.
      web.sock.set('test', 'hello again');
      await expectEverywhere([web], [js], { test: 'hello again' });
      expect(web.errors).toEqual([]);
    });
  }

  it('leasing on: a lease blocks a foreign overwrite on both sides, and a late joiner gets existing keys', async () => {
    const web = await webSync(encryption, true);
    const js = await js2pSync(encryption, true);
    await web.sock.connect(HOST, js.port);
    await waitFor(() => linked(web, js), NETWORK_MS, 'the link');
    web.sock.set('mine', 'web2p');
    js.sock.set('yours', 'js2p');
    const written = Math.floor(Date.now() / 1000);
    await expectEverywhere([web], [js], { mine: 'web2p', yours: 'js2p' });
    // Within the second of the owner's write, §6.3's tie-break lets the smaller id take the key:
    // the lease proper starts with the next second.
    await waitFor(() => Math.floor(Date.now() / 1000) > written, 2_000, 'the next second');

    expect(() => web.sock.set('yours', 'taken')).toThrow(LeaseError);
    expect(() => js.sock.set('mine', 'taken')).toThrow(/permission/);
    // Nothing was sent for either refused write.
    const late = await webSync(encryption, true);
    await late.sock.connect(HOST, js.port);
    await expectEverywhere([web, late], [js], { mine: 'web2p', yours: 'js2p' });
    expect(late.sock.get('mine')).toBe('web2p');
  });

  it('leasing off: deltas from every node merge everywhere, relayed through js2p', async () => {
    const left = await webSync(encryption, false, { maxOutgoing: 1 });
    const hub = await js2pSync(encryption, false);
    const right = await webSync(encryption, false, { maxOutgoing: 1 });
    await left.sock.connect(HOST, hub.port);
    await right.sock.connect(HOST, hub.port);
    await waitFor(() => linked(left, hub) && linked(right, hub), NETWORK_MS, 'the hub');

    left.sock.applyDelta('store', { seven: 7 });
    await expectEverywhere([left, right], [hub], { store: { seven: 7 } });
    hub.sock.apply_delta('store', { array: [1, 2], number: 256 });
    await expectEverywhere([left, right], [hub], { store: { seven: 7, array: [1, 2], number: 256 } });
    right.sock.applyDelta('store', { three: { three: 'three' } });
    await expectEverywhere([left, right], [hub], { store: { seven: 7, array: [1, 2], number: 256, three: { three: 'three' } } });
  });
});
