/**
 * Issue 13, item 3: a message sent from the event that announces a peer ('connect', 'peer') must
 * reach that peer. Shared by the simulator and the real-transport tests.
 */
import type { MeshSocket } from '../../packages/web2p/src/index.js';

export interface Announcements {
  /** What some socket should have heard but did not, as "<receiver> missed <text>". */
  missing(): string[];
  errors: Error[];
}

/**
 * Makes each socket broadcast from its 'connect' event and from its 'peer' event (naming the new
 * peer), and records what each one hears. Call before connecting.
 */
export function sendOnAnnounce(sockets: readonly MeshSocket[]): Announcements {
  const names = new Map(sockets.map((socket, i) => [socket.id, `s${i}`]));
  const heard = new Map(sockets.map((socket) => [socket, new Set<string>()]));
  /** Whom each socket's 'connect' announced: the one peer in its table then. */
  const firstPeer = new Map<MeshSocket, string>();
  const errors: Error[] = [];
  sockets.forEach((socket, i) => {
    socket.on('connect', () => {
      firstPeer.set(socket, [...socket.routingTable.keys()][0]!);
      socket.send(`connect from s${i}`);
    });
    socket.on('peer', (peerId) => socket.send(`peer ${names.get(peerId)} from s${i}`));
    socket.on('message', (msg) => heard.get(socket)!.add(String(msg.packets[1])));
    socket.on('error', (error) => errors.push(error));
  });
  return {
    errors,
    missing: () =>
      sockets.flatMap((receiver, r) =>
        sockets.flatMap((sender, s) => {
          if (s === r || !sender.routingTable.has(receiver.id)) return [];
          const expected = [`peer s${r} from s${s}`];
          if (firstPeer.get(sender) === receiver.id) expected.push(`connect from s${s}`);
          return expected.filter((text) => !heard.get(receiver)!.has(text)).map((text) => `s${r} missed "${text}"`);
        }),
      ),
  };
}
