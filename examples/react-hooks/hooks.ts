/**
 * Two React hooks over web2p, as an example to copy rather than a package: `useMesh` keeps a
 * MeshSocket in a room for the life of a component and collects its messages; `useSyncDict` keeps a
 * SyncSocket's dict as React state. Each effect owns its socket and closes it on unmount (React's
 * strict mode mounts twice in development: the first socket is closed, the second stays).
 */
import { useEffect, useState } from 'react';
import { MeshSocket, SyncSocket, type Key, type Message, type Packet, type SyncSocketOptions } from 'web2p';

/** A MeshSocket joined to `roomUrl`, and every message it received, oldest first. */
export function useMesh(roomUrl: string): { socket: MeshSocket | undefined; messages: Message[]; error: Error | undefined } {
  const [socket, setSocket] = useState<MeshSocket>();
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    const mesh = new MeshSocket({ iceServers: [] });
    mesh.on('message', (msg) => setMessages((old) => [...old, msg]));
    mesh.on('error', setError);
    mesh.connect(roomUrl).then(() => setSocket(mesh), setError);
    return () => void mesh.close();
  }, [roomUrl]);
  return { socket, messages, error };
}

/**
 * A SyncSocket's dict as state: `entries` is re-read on every update, delete and restore, and `set`
 * writes a key (throwing LeaseError when another node holds it).
 */
export function useSyncDict(
  roomUrl: string,
  options: SyncSocketOptions = {},
): { entries: ReadonlyArray<[Key, Packet]>; set: (key: Key, value: Packet) => void; id: string | undefined } {
  const [dict, setDict] = useState<SyncSocket>();
  const [entries, setEntries] = useState<ReadonlyArray<[Key, Packet]>>([]);
  const { leasing, persist } = options;
  useEffect(() => {
    const sync = new SyncSocket({ iceServers: [], leasing, persist });
    const refresh = (): void => setEntries([...sync.entries()]);
    sync.on('update', refresh);
    sync.on('delete', refresh);
    void sync.ready.then(() => {
      refresh();
      setDict(sync);
      return sync.connect(roomUrl);
    });
    return () => void sync.close();
  }, [roomUrl, leasing, persist]);
  return { entries, set: (key, value) => dict?.set(key, value), id: dict?.id };
}
