/** bench:bundle's smallest useful entry: a MeshSocket alone, with its default WebRTC transport. */
import { MeshSocket } from 'web2p';

export function start(url: string): Promise<unknown> {
  return new MeshSocket({ iceServers: [] }).connect(`${url}/mesh`);
}
