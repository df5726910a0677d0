/** bench:bundle's "everything" entry: the three sockets, the default WebRTC transport and IndexedDB persistence. */
import { ChordSocket, MeshSocket, SyncSocket } from 'web2p';

export function start(url: string): Promise<unknown> {
  const mesh = new MeshSocket({ iceServers: [] }); // no transport given: the entry's WebRTC one
  const sync = new SyncSocket({ iceServers: [], persist: true }); // persist: true is the IndexedDB store
  const chord = new ChordSocket({ iceServers: [], k: 6, persist: true });
  return Promise.all([mesh.connect(`${url}/mesh`), sync.connect(`${url}/sync`), chord.connect(`${url}/chord`).then(() => chord.join())]);
}
