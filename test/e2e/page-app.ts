/**
 * What the cross-engine and NAT tests run inside a harness page, in either engine: each function is
 * passed to `evaluate` and keeps its state on `window`, so it must use nothing from this module's scope.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * A MeshSocket in the room `url` (no ICE servers of its own: it uses the signaling server's) on
 * `window.sock`: it answers 'ping' with a reply, keeps what it heard on `window.heard` (long texts
 * by length), the ms from `connect()` to its first link on `window.connectMs`, and every
 * reason of the socket's 'unreachable' event on `window.unreachable`.
 */
export async function startMesh(url: string): Promise<string> {
  const w = window as any;
  const sock = new w.web2p.MeshSocket();
  const heard: string[] = [];
  const unreachable: string[] = [];
  Object.assign(w, { sock, heard, unreachable, connectMs: undefined });
  const started = performance.now();
  sock.on('connect', () => (w.connectMs ??= performance.now() - started));
  sock.on('message', (msg: any) => {
    const text = String(msg.packets[1]);
    heard.push(text.length > 64 ? `${text.length} chars` : text);
    if (text === 'ping') void msg.reply('pong');
    sock.recv();
  });
  sock.on('unreachable', (error: any) => unreachable.push(error.reason));
  await sock.connect(url);
  return sock.id as string;
}

/**
 * Counts the RTCPeerConnections the page constructs from now on (call before startMesh): Chromium
 * refuses a page its 501st until closed ones are garbage-collected, so a long-lived page must not
 * build them for peers it cannot reach.
 */
export function countPeerConnections(): void {
  const w = window as any;
  w.peerConnectionsMade = 0;
  w.RTCPeerConnection = class extends w.RTCPeerConnection {
    constructor(...args: unknown[]) {
      super(...args);
      w.peerConnectionsMade += 1;
    }
  };
}

/** How many RTCPeerConnections the page made since countPeerConnections(). */
export function peerConnectionsMade(): number {
  return (window as any).peerConnectionsMade as number;
}

/** A SyncSocket in the room `url` on `window.sync`. */
export async function startSync(url: string): Promise<void> {
  const w = window as any;
  w.sync = new w.web2p.SyncSocket();
  await w.sync.connect(url);
}

/** A ChordSocket (k = 4) in the room `url` on `window.chord`, joined to the ring. */
export async function startChord(url: string): Promise<void> {
  const w = window as any;
  w.chord = new w.web2p.ChordSocket({ k: 4 });
  await w.chord.connect(url);
  await w.chord.join();
}

/** The ids of the page's mesh, sync and chord neighbours (those it started). */
export function neighbourIds(): { mesh: string[]; sync: string[]; chord: string[] } {
  const w = window as any;
  const ids = (sock: any): string[] => (sock ? [...sock.routingTable.keys()] : []);
  return { mesh: ids(w.sock), sync: ids(w.sync), chord: ids(w.chord) };
}

export function heard(): string[] {
  return (window as any).heard;
}

export function connectMs(): number | undefined {
  return (window as any).connectMs;
}

/** Broadcasts `text`, or a text of `size` characters when `text` is a number. */
export function broadcast(text: string | number): void {
  (window as any).sock.send(typeof text === 'number' ? 'x'.repeat(text) : text);
}

export function syncSet([key, value]: [string, string]): void {
  (window as any).sync.set(key, value);
}

export function syncGet(key: string): string | null {
  return (window as any).sync.get(key) ?? null;
}

export async function chordSet([key, value]: [string, string]): Promise<void> {
  await (window as any).chord.set(key, value);
}

/** The page's chord node's place on the ring: its id, position, successor and predecessor ids. */
export function chordRing(): { id: string; position: number | null; successor: string | null; predecessor: string | null } {
  const chord = (window as any).chord;
  const state = chord.ringState();
  return { id: chord.id, position: state.position ?? null, successor: state.successors[0]?.id ?? null, predecessor: state.predecessor?.id ?? null };
}

export async function chordGet(key: string): Promise<string | null> {
  return (await (window as any).chord.get(key, null).catch(() => null)) as string | null;
}

/** The host candidates this engine gathers for a fresh connection: mDNS names under stock settings. */
export async function hostCandidates(): Promise<string[]> {
  const pc = new RTCPeerConnection();
  const found: string[] = [];
  const done = new Promise<void>((resolve) => {
    pc.addEventListener('icecandidate', (event) => {
      if (!event.candidate?.candidate) return resolve();
      const [, , , , address, , , type] = event.candidate.candidate.split(' ');
      if (type === 'host' && address) found.push(address);
    });
  });
  pc.createDataChannel('probe');
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.close();
  return found;
}

/** The page's mesh socket state and its first peer's route and ICE round-trip time, from stats(). */
export async function meshStats(): Promise<{ state: string; route: string | undefined; rttMs: number | undefined }> {
  const stats = await (window as any).sock.stats();
  return { state: stats.state, route: stats.peers[0]?.route, rttMs: stats.peers[0]?.rttMs };
}

/**
 * From now on this page's sockets make their keys and proofs with WebCrypto's Ed25519, as a browser
 * app with a MeshSocket alone does (the harness bundles SyncSocket, whose @noble/curves it uses
 * otherwise: identity/ed25519.ts). Call it before startMesh. Says whether the engine's WebCrypto has
 * Ed25519 itself (else the sockets load @noble/curves by import()).
 */
export async function useWebCryptoEd25519(): Promise<boolean> {
  const { ed25519 } = (window as any).web2p;
  ed25519.useEd25519(ed25519.webCryptoEd25519);
  return crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']).then(
    () => true,
    () => false,
  );
}
