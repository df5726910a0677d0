/** bench:bundle's row for a MeshSocket with streams (web2p/streams: sendStream and the 'stream' event). */
import { MeshSocket } from 'web2p';
import { streams } from 'web2p/streams';

export function start(url: string): Promise<unknown> {
  return new MeshSocket({ iceServers: [], streams: streams() }).connect(`${url}/mesh`);
}
