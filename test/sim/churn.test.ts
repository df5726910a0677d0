/**
 * A seeded 200-node mesh under churn: each round crashes 10% of the nodes and starts as many new
 * ones. Every broadcast sent while the live nodes form one connected graph must reach every live
 * node exactly once. Set WEB2P_SEED to replay a failing run.
 */
import { expect, test } from 'vitest';
import { MeshSocket } from '../../packages/web2p/src/index.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { makeNet } from './helpers.js';

const NODES = 200;
const ROUNDS = 6;
const seed = Number(process.env.WEB2P_SEED ?? 20261124);

test(`200 nodes with 10% churn per round deliver every broadcast exactly once (seed ${seed})`, async () => {
  const net = makeNet({ seed });
  const pick = new SeededRandom(seed ^ 0x5eed);
  const live = new Set<MeshSocket>();
  /** deliveries.get(tag).get(nodeId) = how many times that node got the broadcast */
  const deliveries = new Map<string, Map<string, number>>();

  function start(): MeshSocket {
    // Member heartbeats off: this test is about broadcast delivery, and 200 nodes all learning of
    // each other (and of each round's 20 newcomers) five times its CPU; members: members.test.ts.
    const sock = new MeshSocket({ transport: net.transport(), memberHeartbeats: false });
    sock.on('message', (msg) => {
      const tag = String(msg.packets[1]);
      const perNode = deliveries.get(tag);
      if (perNode) perNode.set(sock.id, (perNode.get(sock.id) ?? 0) + 1);
      sock.recv();
    });
    live.add(sock);
    return sock;
  }

  function randomLive(except?: MeshSocket): MeshSocket {
    const all = [...live].filter((s) => s !== except);
    return all[Math.floor(pick.next() * all.length)]!;
  }

  /** Whether the live nodes, joined by connections both ends still hold, form one component. */
  function connected(): boolean {
    const first = live.values().next().value as MeshSocket;
    const byId = new Map([...live].map((s) => [s.id, s]));
    const reached = new Set([first.id]);
    const todo = [first];
    while (todo.length) {
      const node = todo.pop()!;
      for (const peerId of node.routingTable.keys()) {
        const peer = byId.get(peerId);
        if (peer && !reached.has(peerId) && peer.routingTable.has(node.id)) {
          reached.add(peerId);
          todo.push(peer);
        }
      }
    }
    return reached.size === live.size;
  }

  let sent = 0;
  function broadcastIfConnected(label: string): void {
    if (!connected()) return;
    const tag = `${label}#${sent++}`;
    const sender = randomLive();
    deliveries.set(tag, new Map());
    expected.set(tag, new Set([...live].filter((s) => s !== sender).map((s) => s.id)));
    sender.send(tag);
  }
  const expected = new Map<string, Set<string>>();

  start();
  for (let i = 1; i < NODES; i++) {
    const sock = start();
    void sock.connect(randomLive(sock).address).catch(() => {});
  }
  await net.run(30_000);
  broadcastIfConnected('settled');
  await net.run(5_000); // let it land before the first crash: flooding cannot reach a node cut off mid-flight

  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < NODES / 10; k++) {
      const victim = randomLive();
      live.delete(victim);
      net.kill(victim);
    }
    broadcastIfConnected(`round ${round} right after the crashes`);
    await net.run(20_000);
    const established = [...live];
    for (let k = 0; k < NODES / 10; k++) {
      const bootstrap = established[Math.floor(pick.next() * established.length)]!;
      void start().connect(bootstrap.address).catch(() => {});
    }
    await net.run(20_000);
    broadcastIfConnected(`round ${round} after the restarts`);
    await net.run(5_000);
  }
  await net.run(10_000);

  const problems: string[] = [];
  for (const [tag, want] of expected) {
    const got = deliveries.get(tag)!;
    for (const id of want) {
      const still = [...live].some((s) => s.id === id);
      const count = got.get(id) ?? 0;
      if (still && count !== 1) problems.push(`${tag}: ${id.slice(0, 8)} got it ${count} times`);
    }
    for (const [id, count] of got) if (count > 1) problems.push(`${tag}: ${id.slice(0, 8)} got it ${count} times`);
  }
  expect(sent, `seed ${seed}: too few broadcasts were sent while connected`).toBeGreaterThanOrEqual(ROUNDS);
  expect(problems, `seed ${seed} (replay with WEB2P_SEED=${seed})`).toEqual([]);
  for (const sock of live) await sock.close();
}, 120_000);
