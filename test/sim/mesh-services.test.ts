/** Services on the mesh (packages/web2p/src/mesh/service.ts, dispatcher.ts): ownership of sub-flags, lifecycle, the peer view. */
import { describe, expect, test } from 'vitest';
import { Connection, MeshSocket, Web2pError, flags, type Message } from '../../packages/web2p/src/index.js';
import type { MeshContext, Service } from '../../packages/web2p/src/mesh/service.js';
import { makeNet } from './helpers.js';

/** A service that records what the mesh tells it. */
function recorder(name: string, subFlags: Array<number | string>) {
  const seen: Array<{ packets: unknown[]; conn: Connection }> = [];
  const events: string[] = [];
  let mesh: MeshContext | undefined;
  const service: Service = {
    name,
    subFlags,
    start: (context) => {
      mesh = context;
      events.push('start');
    },
    stop: () => void events.push('stop'),
    closed: () => void events.push('closed'),
    peerUp: (conn) => void events.push(`up ${conn.id}`),
    peerDown: (id) => void events.push(`down ${id}`),
    handle: (msg: Message, conn: Connection) => void seen.push({ packets: msg.packets, conn }),
  };
  return { service, seen, events, context: () => mesh! };
}

describe('services', () => {
  test('two services claiming one sub-flag fail at construction, whatever their order', () => {
    const net = makeNet();
    const a = recorder('a', [0x40, 0x41]);
    const b = recorder('b', [0x41]);
    for (const services of [
      [a.service, b.service],
      [b.service, a.service],
    ]) {
      expect(() => new MeshSocket({ transport: net.transport() }, services)).toThrow(Web2pError);
      expect(() => new MeshSocket({ transport: net.transport() }, services)).toThrow(/sub-flag 65 is claimed by both/);
    }
    // A service cannot take a sub-flag the mesh itself owns either.
    const peersThief = recorder('thief', [flags.peers]);
    expect(() => new MeshSocket({ transport: net.transport() }, [peersThief.service])).toThrow(/claimed by both peer exchange and thief/);
  });

  test('a service gets exactly its sub-flags, before any user handler, and hears peers come and go', async () => {
    const net = makeNet();
    const svc = recorder('custom', [0x40]);
    const a = new MeshSocket({ transport: net.transport() }, [svc.service]);
    const b = new MeshSocket({ transport: net.transport() });
    const handled: unknown[] = [];
    a.registerHandler((msg, _conn) => void handled.push(msg.packets[0]));
    await b.connect(a.address);
    b.send('for the service', { type: 0x40 });
    b.send('for the handler', { type: 0x41 });
    await net.run(1_000);
    expect(svc.seen.map((s) => s.packets)).toEqual([[0x40, 'for the service']]);
    expect(handled).toEqual([0x41]);
    expect(svc.events).toEqual(['start', `up ${b.id}`]);
    expect(svc.context().routingTable.has(b.id)).toBe(true);
    await b.close();
    await net.run(1_000);
    await a.close();
    expect(svc.events).toEqual(['start', `up ${b.id}`, `down ${b.id}`, 'stop', 'closed']);
  });

  test('handlers and the routing table get a read-only view of the connection', async () => {
    const net = makeNet();
    const a = new MeshSocket({ transport: net.transport() });
    const b = new MeshSocket({ transport: net.transport() });
    const views: Connection[] = [];
    a.registerHandler((msg, conn) => {
      views.push(conn);
      conn.send(flags.whisper, flags.whisper, 'pong');
      return true;
    });
    await b.connect(a.address);
    b.send('ping');
    await net.run(1_000);
    const [view] = views;
    expect(view).toBeInstanceOf(Connection);
    expect(view).toBe(a.routingTable.get(b.id));
    expect(view!.id).toBe(b.id);
    expect(view!.addr).toEqual(['sim', Number(b.address.slice('sim://'.length))]);
    // Nothing of its state can be written from outside its owner.
    expect(() => ((view as unknown as { id: string }).id = 'someone else')).toThrow(TypeError);
    expect(() => ((view as unknown as { addr: unknown }).addr = ['evil', 1])).toThrow(TypeError);
    expect(view!.id).toBe(b.id);
    expect(b.recv()!.packets).toEqual([flags.whisper, 'pong']);
    await Promise.all([a.close(), b.close()]);
  });
});
