/**
 * `sock.stats()`: one snapshot of every open connection (how it travels, its round-trip time, the
 * bytes it carried and the bytes still queued), with totals and the socket's state. It reads what
 * the parts keep anyway (record counters, the link's buffer, the engine's ICE stats): taking a
 * snapshot costs one `getStats()` per WebRTC link and nothing while nobody asks.
 */
import type { LinkStats } from '../transport/types.js';
import type { Throttling } from './connection-limits.js';
import type { ConnectionRecord } from './connection-record.js';
import type { SocketState } from './health.js';

/** One peer in the routing table, as `stats()` sees it. */
export interface PeerStats {
  /** The peer's node id. */
  id: string;
  /** The kind of link: `webrtc`, `tcp`, `tls`, `ws`, `sim`… (the scheme of its address). */
  transport: string;
  /**
   * How the bytes travel. WebRTC: `host` (directly on a local network), `srflx` or `prflx` (through
   * a NAT mapping), `relay` (through TURN), the less direct end of ICE's selected pair; `unknown`
   * until the engine reports it. Other transports: the transport's name.
   */
  route: string;
  /** WebRTC: the candidate types of the selected pair, ours and the peer's. */
  candidates?: { local: string; remote: string };
  /** Whether we dialled this peer. */
  outgoing: boolean;
  /**
   * Round-trip time in ms, from ICE's consent checks (WebRTC's `currentRoundTripTime`: no traffic of
   * ours); undefined on links that do not measure it (TCP, ws, the simulator).
   */
  rttMs: number | undefined;
  /** Frame bytes this socket sent to the peer, and received from it, since the connection opened. */
  bytesSent: number;
  bytesReceived: number;
  /** Bytes sent but still waiting on this side (the link's queue plus the channel's buffer). */
  queuedBytes: number;
  /**
   * Times we stopped reading from this peer because it sent over its rate (NodeLimits): its
   * transport held it back, nothing it sent was lost.
   */
  readPauses: number;
  /** Frames it sent over its rate that were discarded: only on links that cannot pause (WebRTC). */
  discardedFrames: number;
  /** Of `queuedBytes`, those waiting for the pace its budget admits (sender-side pacing, §14.19). */
  pacedBytes: number;
  /** Others' broadcasts not relayed to it: the pace would have held them over a second (§14.19). */
  skippedRelays: number;
}

/** What `sock.stats()` resolves to. */
export interface SocketStats {
  /** The socket's state (see SocketState). */
  state: SocketState;
  /** The signaling rooms joined now, by URL (WebRTC; empty elsewhere). */
  signaling: string[];
  /** One entry per peer in the routing table. */
  peers: PeerStats[];
  /**
   * The sums over `peers`, and `sendQueueTotalBytes`: what all send queues (those still
   * handshaking too) hold together, a broadcast's frame shared by several counted once, as
   * `limits.maxTotalSendQueueBytes` bounds it (mesh/send-queue-total.ts).
   */
  totals: { peers: number; bytesSent: number; bytesReceived: number; queuedBytes: number; sendQueueTotalBytes: number };
}

export interface StatsSource {
  state: SocketState;
  rooms: Iterable<string>;
  /** Open connections (the routing table's records). */
  open: Iterable<ConnectionRecord>;
  /** The socket's own address: its scheme names the transport of links that do not say. */
  address: string;
  /** How often a connection ran into its rate (connection-limits.ts). */
  throttling(record: ConnectionRecord): Throttling;
  /** What all send queues hold together (send-queue-total.ts), read with the peers' figures. */
  sendQueueTotalBytes(): number;
}

/** A snapshot of `source`, the links' own stats read all at once. */
export async function collectStats(source: StatsSource): Promise<SocketStats> {
  const records = [...source.open];
  const links = await Promise.all(records.map((record) => record.link.stats?.().catch((): LinkStats => ({})) ?? {}));
  const peers = records.map((record, i) => peerStats(record, links[i]!, source.address, source.throttling(record)));
  const totals = { peers: peers.length, bytesSent: 0, bytesReceived: 0, queuedBytes: 0, sendQueueTotalBytes: source.sendQueueTotalBytes() };
  for (const peer of peers) {
    totals.bytesSent += peer.bytesSent;
    totals.bytesReceived += peer.bytesReceived;
    totals.queuedBytes += peer.queuedBytes;
  }
  return { state: source.state, signaling: [...source.rooms], peers, totals };
}

function peerStats(record: ConnectionRecord, link: LinkStats, ownAddress: string, throttling: Throttling): PeerStats {
  const transport = schemeOf(record.link.remoteAddress) ?? schemeOf(ownAddress) ?? 'unknown';
  const peer: PeerStats = {
    id: record.id!,
    transport,
    route: link.route ?? (transport === 'webrtc' ? 'unknown' : transport),
    outgoing: record.outgoing,
    rttMs: link.rttMs,
    bytesSent: record.bytesSent,
    bytesReceived: record.bytesReceived,
    queuedBytes: record.queue.queuedBytes,
    readPauses: throttling.readPauses,
    discardedFrames: throttling.discarded,
    pacedBytes: record.queue.pacedBytes,
    skippedRelays: record.queue.skippedRelays,
  };
  if (link.candidates) peer.candidates = link.candidates;
  return peer;
}

/** 'webrtc:…' → 'webrtc', 'tcp://…' → 'tcp'. */
function schemeOf(address: string | undefined): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(address ?? '')?.[1]?.toLowerCase();
}
