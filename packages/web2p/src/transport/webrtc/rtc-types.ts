/**
 * The parts of the WebRTC API that web2p uses, typed here rather than taken from the DOM lib, so
 * that web2p's declarations compile in projects without it (Node, the simulator). The browser's
 * objects and node-datachannel's polyfill both provide these members; where one is handed in, it is
 * cast once at the boundary (platform.ts, node/node-webrtc.ts).
 */

/** A STUN or TURN server, as in `RTCIceServer`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** What web2p passes to the RTCPeerConnection constructor: the `RTCConfiguration` fields it knows. */
export interface RtcConfiguration {
  iceServers?: IceServer[];
  /** 'relay' sends everything through TURN (hides the addresses, costs the relay's bandwidth). */
  iceTransportPolicy?: 'all' | 'relay';
  bundlePolicy?: 'balanced' | 'max-compat' | 'max-bundle';
  iceCandidatePoolSize?: number;
}

/** One entry of a `getStats()` report: a typed record whose fields depend on its `type`. */
export interface StatsEntry {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What `getStats()` resolves to: entries by id (`RTCStatsReport`, a read-only Map). */
export interface StatsReport {
  get(id: string): StatsEntry | undefined;
  values(): IterableIterator<StatsEntry>;
}

interface ListenerOptions {
  /**
   * An AbortSignal. Typed `any` because AbortSignal is a DOM/Node global that a project with
   * neither lib lacks, and no smaller type is accepted where the DOM's options are expected.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  signal?: any;
}

/**
 * An event listener. The DOM and node-datachannel type their events differently (and the DOM's
 * `addEventListener(type: string, …)` takes any Event), so the event is `any` here and each listener
 * reads only the field its event type defines (`data`, `candidate`, `channel`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (event: any) => void;

/** The part of `RTCDataChannel` that web2p uses. */
export interface DataChannel {
  readonly label: string;
  readonly readyState: 'connecting' | 'open' | 'closing' | 'closed';
  binaryType: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'message' | 'open' | 'close' | 'bufferedamountlow' | 'error', listener: Listener, options?: ListenerOptions): void;
}

/** A session description as web2p reads and sets it. */
export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp?: string;
}

/** An ICE candidate as the `icecandidate` event carries it. */
export interface IceCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

/** The part of `RTCPeerConnection` that web2p uses. */
export interface PeerConnection {
  readonly connectionState: 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
  /** Read when the connection fails, to tell an ICE failure from a DTLS one. */
  readonly iceConnectionState: 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';
  readonly sctp: { readonly maxMessageSize: number | null } | null;
  /** The descriptions in force (their `a=fingerprint` lines name each side's DTLS certificate). */
  readonly localDescription?: { readonly sdp?: string } | null;
  readonly remoteDescription?: { readonly sdp?: string } | null;
  createDataChannel(label: string, options: { ordered: boolean }): DataChannel;
  createOffer(): Promise<{ sdp?: string }>;
  createAnswer(): Promise<{ sdp?: string }>;
  setLocalDescription(description: SessionDescription): Promise<void>;
  setRemoteDescription(description: SessionDescription): Promise<void>;
  addIceCandidate(candidate: IceCandidate): Promise<void>;
  getStats(): Promise<StatsReport>;
  close(): void;
  addEventListener(
    type: 'icecandidate' | 'icecandidateerror' | 'datachannel' | 'connectionstatechange',
    listener: Listener,
    options?: ListenerOptions,
  ): void;
}
