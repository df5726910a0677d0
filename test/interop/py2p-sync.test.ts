/**
 * SyncSocket against py2p 0.7.870's SyncSocket (and the 0.7.878 dialect), leasing on and off, over
 * TCP and TLS. As with js2p (sync-js2p.test.ts), every write waits until the previous one has
 * arrived everywhere, except where a test is about two writes of one second.
 */
import { describe, expect, it } from 'vitest';
import { LeaseError, type Packet, type SyncSocket } from '../../packages/web2p/src/node/index.js';
import { HOST, NETWORK_MS, webSync, type WebNode } from './js2p-helpers.js';
import { DIALECTS, PY2P_ENCRYPTIONS, linkedPy, py2pSync, until } from './py2p/py2p-helpers.js';
import type { Py2pNode } from './py2p/py2p-peer.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** What JSON makes of a value py2p holds (its str values come back as str, bin as bytes). */
const plain = (value: Packet | undefined): unknown => (value instanceof Uint8Array ? Buffer.from(value).toString() : value);

/** Every node holds `entries` (undefined: the key is absent). */
async function expectEverywhere(web: WebNode<SyncSocket>[], py: Py2pNode[], entries: Record<string, unknown>): Promise<void> {
  const holds = async () => {
    for (const [key, value] of Object.entries(entries)) if (!web.every((node) => same(node.sock.get(key), value))) return false;
    for (const node of py) {
      const data = await node.data();
      for (const [key, value] of Object.entries(entries)) if (!same(plain(data.get(key)?.[0]), value)) return false;
    }
    return true;
  };
  try {
    await until(holds, NETWORK_MS, `${Object.keys(entries).join(', ')} on every node`);
  } catch (error) {
    // Say what each node holds instead, which is what a failure needs to be understood.
    const webHeld = web.map((node) => Object.fromEntries(Object.keys(entries).map((key) => [key, node.sock.get(key)])));
    const pyHeld = await Promise.all(py.map(async (node) => Object.fromEntries([...(await node.data())].map(([k, [v, o, t]]) => [k, [plain(v), o.slice(0, 6), t]]))));
    throw new Error(`${(error as Error).message}; web2p holds ${JSON.stringify(webHeld)}, py2p ${JSON.stringify(pyHeld)}`);
  }
}

async function linkedSync(web: WebNode<SyncSocket>, py: Py2pNode): Promise<void> {
  await until(() => linkedPy(web, py), NETWORK_MS, 'the link');
}

/** Resolves at the start of a wall-clock second, so that what follows falls in one second. */
async function startOfSecond(): Promise<void> {
  const next = Math.floor(Date.now() / 1000) + 1;
  await until(async () => Date.now() / 1000 >= next, 2_000, 'the next second', 2);
}

describe.each(DIALECTS)('SyncSocket and py2p (%s dialect)', (dialect) => {
  describe.each(PY2P_ENCRYPTIONS)('over %s', (encryption) => {
    for (const leasing of [true, false]) {
      it(`leasing ${leasing ? 'on' : 'off'}: initial sync both ways, set both ways, unicode keys, ints and arrays, delete both ways`, async () => {
        const web = await webSync(encryption, leasing);
        const py = await py2pSync(dialect, encryption, leasing);
        // Set before the two meet: each is a late joiner to the other's keys.
        web.sock.set('early web2p', 'from web2p');
        await py.set('early py2p', 'from py2p');
        await web.sock.connect(HOST, py.port);
        await linkedSync(web, py);
        await expectEverywhere([web], [py], { 'early web2p': 'from web2p', 'early py2p': 'from py2p' });

        web.sock.set('test', 'hello');
        await expectEverywhere([web], [py], { test: 'hello' });
        await py.set('测试', '成功');
        await expectEverywhere([web], [py], { 测试: '成功' });
        web.sock.update({ array: [1, 2, 3], number: 256 });
        await py.set('py2p array', ['a', 1, [2]]);
        await expectEverywhere([web], [py], { array: [1, 2, 3], number: 256, 'py2p array': ['a', 1, [2]] });

        web.sock.delete('early web2p');
        await py.del('early py2p');
        await expectEverywhere([web], [py], { 'early web2p': undefined, 'early py2p': undefined });
        expect(web.errors).toEqual([]);
        expect((await py.state()).status).toBe('Nominal');
      });
    }

    it('leasing on: a lease blocks a foreign overwrite on both sides', async () => {
      const web = await webSync(encryption, true);
      const py = await py2pSync(dialect, encryption, true);
      await web.sock.connect(HOST, py.port);
      await linkedSync(web, py);
      web.sock.set('mine', 'web2p');
      await py.set('yours', 'py2p');
      await expectEverywhere([web], [py], { mine: 'web2p', yours: 'py2p' });
      // Within the second of the owner's write §6.3's tie-break can let the smaller id take the key
      // (and py2p, comparing its bytes id with web2p's str one, raises TypeError: PROTOCOL.md §13).
      // py2p was seen holding web2p's record one second later than the timestamp it reports here
      // (half the runs once the mesh changes of issue 13 were merged; the cause is not found yet),
      // so the test waits out that second too.
      const written = Math.max(...[...(await py.data()).values()].map(([, , ts]) => ts));
      await until(async () => Math.floor(Date.now() / 1000) > written + 1, 3_000, 'the second after next');
      expect(() => web.sock.set('yours', 'taken')).toThrow(LeaseError);
      await expect(py.set('mine', 'taken')).rejects.toThrow(/KeyError/);
      await expectEverywhere([web], [py], { mine: 'web2p', yours: 'py2p' });
    });

    it('leasing off: deltas from every node merge everywhere, relayed through py2p', async () => {
      const left = await webSync(encryption, false, { maxOutgoing: 1 });
      const hub = await py2pSync(dialect, encryption, false);
      const right = await webSync(encryption, false, { maxOutgoing: 1 });
      await left.sock.connect(HOST, hub.port);
      await right.sock.connect(HOST, hub.port);
      await linkedSync(left, hub);
      await linkedSync(right, hub);
      left.sock.applyDelta('store', { seven: 7 });
      await expectEverywhere([left, right], [hub], { store: { seven: 7 } });
      await hub.delta('store', { array: [1, 2], number: 256 });
      await expectEverywhere([left, right], [hub], { store: { seven: 7, array: [1, 2], number: 256 } });
      right.sock.applyDelta('store', { three: { three: 'three' } });
      await expectEverywhere([left, right], [hub], { store: { seven: 7, array: [1, 2], number: 256, three: { three: 'three' } } });
    });
  });
});

describe('SyncSocket and py2p: where web2p must mirror py2p', () => {
  for (const leasing of [true, false]) {
    it(`leasing ${leasing ? 'on' : 'off'}: two writes by a py2p owner in one second land in the owner's order`, async () => {
      const web = await webSync('Plaintext', leasing);
      const py = await py2pSync('870', 'Plaintext', leasing);
      await web.sock.connect(HOST, py.port);
      await linkedSync(web, py);
      for (let attempt = 0; ; attempt++) {
        await startOfSecond();
        const second = Math.floor(Date.now() / 1000);
        await py.set('twice', 'zzzz');
        await py.set('twice', 'aaaa');
        await py.set('gone', 'here');
        await py.del('gone');
        // Both pairs went out in one second (the driver answers in milliseconds; a loaded machine
        // may straddle a second, and then the test is not about one second: try again).
        const inOneSecond = Math.floor(Date.now() / 1000) === second;
        await expectEverywhere([web], [py], { twice: 'aaaa', gone: undefined });
        if (inOneSecond || attempt === 3) break;
      }
      expect(web.errors).toEqual([]);
    });
  }

  it('a py2p owner keeps its lease on a py2p replica that learned the key from web2p', async () => {
    const owner = await py2pSync('870', 'Plaintext', true);
    const web = await webSync('Plaintext', true);
    await web.sock.connect(HOST, owner.port);
    await linkedSync(web, owner);
    await owner.set('owned', 'first');
    await expectEverywhere([web], [owner], { owned: 'first' });
    // A second py2p node learns the key from web2p's initial sync, with the owner id as web2p sends it.
    const late = await py2pSync('870', 'Plaintext', true);
    await web.sock.connect(HOST, late.port);
    await linkedSync(web, late);
    await expectEverywhere([web], [owner, late], { owned: 'first' });
    // The owner's next write must be the owner's on the late node too (py2p compares ids by type).
    const written = (await late.data()).get('owned')![2];
    await until(async () => Math.floor(Date.now() / 1000) > written, 2_000, 'the next second');
    await owner.set('owned', 'second');
    await expectEverywhere([web], [owner, late], { owned: 'second' });
    expect((await late.state()).status).toBe('Nominal');
  });

  it('a new py2p neighbour gets no tombstones', async () => {
    const web = await webSync('Plaintext', false);
    web.sock.set('deleted', 'soon');
    web.sock.delete('deleted');
    web.sock.set('kept', 'yes');
    const py = await py2pSync('870', 'Plaintext', false);
    await web.sock.connect(HOST, py.port);
    await linkedSync(web, py);
    await expectEverywhere([web], [py], { kept: 'yes', deleted: undefined });
    expect((await py.state()).status).toBe('Nominal');
    expect((await py.state()).peers).toEqual([web.sock.id]);
  });
});
