/** bench:bundle's ChordSocket row: the DHT with its default WebRTC transport and IndexedDB persistence. */
import { ChordSocket } from 'web2p';

export function start(url: string): Promise<unknown> {
  const chord = new ChordSocket({ iceServers: [], k: 6, persist: true });
  return chord.connect(`${url}/chord`).then(() => chord.join());
}
