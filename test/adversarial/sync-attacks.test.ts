/**
 * Issue 15/16, sync: a hostile peer on a real TCP link (record-attacker.ts) tries each attack the
 * issue measured against SyncSocket. Every one must fail: the honest nodes' data is unchanged, the
 * owner can still write, and the attacker is dropped with a typed 'error' naming it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaExceededError, RecordRefusedError, SyncSocket, systemClock, type Packet } from '../../packages/web2p/src/node/index.js';
import { SYNC_RACE_SECONDS } from '../../packages/web2p/src/sync/constants.js';
import { signRecord } from '../../packages/web2p/src/sync/record-proof.js';
import { flags, utf8 } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { RecordAttacker } from './record-attacker.js';

/** Loopback links and deliveries take milliseconds; this only bounds a failure. */
const NET_MS = 10_000;

const open: Array<SyncSocket | RecordAttacker> = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
});

/** The system clock, moved on by `shift` (to age a lease past the race window without waiting). */
function shiftableClock(): { clock: typeof systemClock; shift(ms: number): void } {
  let offset = 0;
  return { clock: { ...systemClock, now: () => Date.now() + offset }, shift: (ms) => (offset += ms) };
}

interface Scene {
  owner: SyncSocket;
  replica: SyncSocket;
  attacker: RecordAttacker;
  /** 'error' events of the replica. */
  errors: Error[];
  /** Peers the owner lost. */
  ownerLost: string[];
  /** The timestamp of the owner's `name` record. */
  nameTs: number;
}

/**
 * An owner and a replica on TCP holding the owner's `name` and `account`, their records older than
 * the race window, and an attacker linked to the replica.
 */
async function scene(options: { maxKeysPerOwner?: number } = {}): Promise<Scene> {
  const { clock, shift } = shiftableClock();
  const make = (): SyncSocket => {
    const sock = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, clock, ...options });
    open.push(sock);
    return sock;
  };
  const owner = make();
  const replica = make();
  await Promise.all([owner.listening, replica.listening]);
  await owner.connect(replica.address);
  let nameTs = 0;
  replica.on('update', (key, _value, meta) => {
    if (key === 'name') nameTs = meta.ts;
  });
  owner.set('name', 'alice');
  owner.set('account', { balance: 10 });
  await waitFor(() => replica.get('name') === 'alice' && replica.has('account'), NET_MS, 'the replica has the owner\'s keys');
  shift((SYNC_RACE_SECONDS + 1) * 1000);
  const errors: Error[] = [];
  replica.on('error', (error) => errors.push(error));
  const ownerLost: string[] = [];
  owner.on('disconnect', (id) => ownerLost.push(id));
  const attacker = await RecordAttacker.connect(replica.address, replica.protocol.id);
  open.push(attacker);
  await waitFor(() => replica.routingTable.has(attacker.id), NET_MS, 'the attacker is linked');
  return { owner, replica, attacker, errors, ownerLost, nameTs };
}

/** A store record signed by the attacker (the only key it has), as the proof item of §14.13. */
function signedBy(attacker: RecordAttacker, key: string, value: Packet | null, ts: number): Packet[] {
  const proof = signRecord(attacker.identity, attacker.protocolId, utf8(key), value, ts);
  return [ts, proof.publicKey, proof.signature];
}

/**
 * The attack failed: the record was refused for `reason` (and the attacker dropped, unless `kept`:
 * a record it only passed on), nothing changed, the owner writes on.
 */
async function expectFoiled({ owner, replica, attacker, errors, ownerLost }: Scene, reason: RecordRefusedError['reason'], kept = false): Promise<void> {
  const refusal = expect.objectContaining({ name: 'RecordRefusedError', peerId: attacker.id, reason });
  if (kept) await waitFor(() => errors.some((error) => refusal.asymmetricMatch(error)), NET_MS, `a '${reason}' refusal`);
  else await waitFor(() => attacker.closed, NET_MS, 'the attacker is dropped');
  expect(errors).toContainEqual(refusal);
  // the replica drops a peer at once; the peer hears of it a little later
  expect(replica.routingTable.has(attacker.id)).toBe(kept);
  expect(attacker.closed).toBe(!kept);
  for (const node of [owner, replica]) {
    expect(node.get('name')).toBe('alice');
    expect(node.get('account')).toEqual({ balance: 10 });
  }
  owner.set('name', 'alice again'); // no LeaseError: the key is still the owner's
  owner.applyDelta('account', { balance: 11 });
  await waitFor(() => replica.get('name') === 'alice again' && (replica.get('account') as { balance: number }).balance === 11, NET_MS, 'the owner\'s writes');
  expect(ownerLost).toEqual([]);
}

describe('sync attacks over TCP (issue 15)', () => {
  it('a store dated one second after the owner\'s is refused: the key stays the owner\'s', async () => {
    const s = await scene();
    const ts = s.nameTs + 1;
    s.attacker.send(flags.broadcast, [flags.store, utf8('name'), 'mallory', signedBy(s.attacker, 'name', 'mallory', ts)]);
    await expectFoiled(s, 'lease');
  });

  it('a nil store (a delete of someone else\'s key) is refused', async () => {
    const s = await scene();
    const ts = s.attacker.nowSeconds() + 1;
    s.attacker.send(flags.broadcast, [flags.store, utf8('name'), null, signedBy(s.attacker, 'name', null, ts)]);
    await expectFoiled(s, 'lease');
  });

  it('a delta sent "as" the owner, signed with another key, is refused as forged', async () => {
    const s = await scene();
    const ts = s.attacker.nowSeconds();
    const forged = signRecord(s.attacker.identity, s.attacker.protocolId, utf8('account'), { balance: 1_000_000 }, ts);
    const proof = [ts, forged.publicKey, forged.signature, forged.signature];
    s.attacker.send(flags.broadcast, [flags.delta, utf8('account'), { balance: 1_000_000 }, proof], s.owner.id);
    await expectFoiled(s, 'bad-signature');
  });

  it('an unsigned delta "as" the owner is refused and relayed no further; its sender may be a \'legacy\' bridge passing a py2p write on, so it stays', async () => {
    const s = await scene();
    s.attacker.send(flags.broadcast, [flags.delta, utf8('account'), { balance: 1_000_000 }], s.owner.id);
    await expectFoiled(s, 'unsigned', true);
  });

  it('an unsigned store in the sender\'s own name is refused and the sender dropped (only trust: \'legacy\' takes unsigned records)', async () => {
    const s = await scene();
    s.attacker.send(flags.broadcast, [flags.store, utf8('name'), 'mallory']);
    await expectFoiled(s, 'unsigned');
  });

  it('an owner signing a second value for its key in the same second is refused and dropped (ordering the two would cost the size of the value held)', async () => {
    const s = await scene();
    const ts = s.attacker.nowSeconds();
    const large = new Uint8Array(64 * 1024).fill(9);
    s.attacker.send(flags.broadcast, [flags.store, utf8('mine'), large, signedBy(s.attacker, 'mine', large, ts)]);
    await waitFor(() => s.replica.has('mine'), NET_MS, 'the attacker\'s own key');
    s.attacker.send(flags.whisper, [flags.store, utf8('mine'), 'x', s.attacker.id, ts, signedBy(s.attacker, 'mine', 'x', ts)]);
    await expectFoiled(s, 'two-values');
    expect(s.replica.get('mine')).toEqual(large);
  });

  it('a five-item sync whisper of the owner\'s dated 2^53 - 1 is refused and relayed no further (its sender may pass on a fast clock\'s record, so it stays), and the owner keeps writing and linking', async () => {
    const s = await scene();
    s.attacker.send(flags.whisper, [flags.store, utf8('name'), 'mallory', s.owner.id, Number.MAX_SAFE_INTEGER]);
    await expectFoiled(s, 'future', true);
    // A new neighbour of the owner takes its records (no unsafe timestamp for it to drop us over).
    const newcomer = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
    open.push(newcomer);
    const lost: string[] = [];
    newcomer.on('disconnect', (id) => lost.push(id));
    await newcomer.connect(s.owner.address);
    await waitFor(() => newcomer.get('name') === 'alice again', NET_MS, 'the newcomer\'s initial sync');
    expect(lost).toEqual([]);
    expect(s.ownerLost).toEqual([]);
  });

  it('the same whisper signed by the attacker as its own record is refused too', async () => {
    const s = await scene();
    const ts = Number.MAX_SAFE_INTEGER;
    s.attacker.send(flags.whisper, [flags.store, utf8('fresh'), 'mine forever', s.attacker.id, ts, signedBy(s.attacker, 'fresh', 'mine forever', ts)]);
    await expectFoiled(s, 'future');
    expect(s.replica.has('fresh')).toBe(false);
  });
});

describe('storage flood (issue 16)', () => {
  it('a peer writing more keys than its quota is refused and dropped; honest replicas keep their data', async () => {
    const quota = 20;
    const s = await scene({ maxKeysPerOwner: quota });
    const kib = 'x'.repeat(1024);
    for (let i = 0; i < quota * 2; i++) {
      const ts = s.attacker.nowSeconds();
      s.attacker.send(flags.broadcast, [flags.store, utf8(`spam${i}`), kib, signedBy(s.attacker, `spam${i}`, kib, ts)]);
    }
    await waitFor(() => s.attacker.closed, NET_MS, 'the attacker is dropped');
    expect(s.errors).toContainEqual(expect.objectContaining({ name: 'QuotaExceededError', owner: s.attacker.id, peerId: s.attacker.id }));
    for (const node of [s.owner, s.replica]) {
      expect([...node.keys()].filter((key) => String(key).startsWith('spam')).length).toBeLessThanOrEqual(quota);
      expect(node.get('name')).toBe('alice');
    }
    expect(s.ownerLost).toEqual([]);
  });

  it('our own writes past the quota throw QuotaExceededError before anything is sent', async () => {
    const writer = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, maxKeysPerOwner: 3, maxBytesPerOwner: 4096 });
    const reader = new SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
    open.push(writer, reader);
    await Promise.all([writer.listening, reader.listening]);
    await writer.connect(reader.address);
    for (const key of ['a', 'b', 'c']) writer.set(key, 1);
    expect(() => writer.set('d', 1)).toThrow(QuotaExceededError);
    expect(() => writer.set('a', 'y'.repeat(5000))).toThrow(expect.objectContaining({ name: 'QuotaExceededError', what: 'bytes' }));
    // update() refuses the whole batch, before writing any of it
    expect(() => writer.update({ a: 3, e: 1 })).toThrow(QuotaExceededError);
    expect(writer.get('a')).toBe(1);
    writer.set('a', 2); // rewriting a key of one's own stays within the quota
    await waitFor(() => reader.get('a') === 2 && reader.has('c'), NET_MS, 'the writes within the quota');
    expect(reader.has('d')).toBe(false);
    expect(writer.get('a')).toBe(2);
  });
});
