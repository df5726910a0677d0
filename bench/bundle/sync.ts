/** bench:bundle's SyncSocket row: the replicated dict with its default WebRTC transport and IndexedDB persistence. */
import { SyncSocket } from 'web2p';

export function start(url: string): Promise<unknown> {
  return new SyncSocket({ iceServers: [], persist: true }).connect(`${url}/sync`);
}
