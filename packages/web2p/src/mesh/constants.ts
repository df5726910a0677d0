/** Mesh limits and timings (PROTOCOL.md §4.2). Every one can be overridden through options. */

/** Stop auto-connecting from peer lists at this many outgoing connections (py2p's max_outgoing). */
export const DEFAULT_MAX_OUTGOING = 4;

/** Broadcasts older than this are dropped, and seen ids are remembered this long (the waterfall). */
export const SEEN_WINDOW_SECONDS = 60;

/**
 * A peer whose handshake is dated this far from our clock, ahead or behind, is reported
 * (ClockSkewError, mesh/clock-skew.ts): half of SEEN_WINDOW_SECONDS and of the sync and chord windows
 * for future-dated records (60 s too), past which clocks that far apart lose messages, so the app
 * hears while clocks drifting apart still have room. Clocks kept by NTP agree within a second or
 * two, and a message's time is whole seconds plus its transit, so an honest pair stays well below.
 */
export const CLOCK_SKEW_REPORT_SECONDS = 30;

/**
 * py2p accepts any future timestamp; we drop broadcasts dated further ahead than this, because the
 * seen-cache must remember a message until its time plus the window, and an unbounded future date
 * would pin the cache forever. Ten minutes covers any sane clock skew between peers.
 */
export const MAX_CLOCK_AHEAD_SECONDS = 600;

/** py2p drops a connection stuck mid-frame this long; we do the same. */
export const STALLED_FRAME_MS = 60_000;

/** A connection whose handshake has not arrived by then is dropped (py2p waits forever). */
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/**
 * The losing connection of a double dial (§4.8) stays open this long, so that what either end sent
 * on it before seeing the conflict (one round trip on any path we run over) still arrives.
 */
export const CONFLICT_GRACE_MS = 5_000;

/** `connect()` gives up after this long. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** How often a socket checks its connections (stalls, handshakes) and refills its outgoing slots. */
export const MAINTENANCE_INTERVAL_MS = 5_000;

/** A routed reply (§4.10) that found no route by then is abandoned with a TimeoutError. */
export const REPLY_TIMEOUT_MS = 30_000;

/** Peers learned from peer lists that we remember for refilling connections after departures. */
export const PEER_BOOK_SIZE = 128;

/**
 * Addresses remembered as wanting py2p 0.7.878's bin protocol id (peer-dialect.ts), so that a dial
 * there skips the refused str attempt. As many as the peer book holds: those are the addresses a
 * socket dials again.
 */
export const MAX_BIN_DIALECT_ADDRESSES = PEER_BOOK_SIZE;

/** A socket short of outgoing connections with nobody left to dial asks for peers this often. */
export const PEER_REFRESH_MS = 30_000;

/** A peer we failed to reach is not tried again for this long. */
export const REDIAL_BACKOFF_MS = 30_000;

/**
 * A link that ended less than this after its peer entered the routing table was short-lived: a
 * peer that hangs up on us within seconds, or that we drop, may be refusing or refused, and would
 * be again. Ten seconds cover the refusals that follow a handshake (the first sync, the first
 * renegotiation), not a link that was up and failed later.
 */
export const SHORT_LIVED_LINK_MS = 10_000;

/**
 * Short-lived links in a row after which a peer is not dialled again from the peer book for
 * REDIAL_BACKOFF_MS. Redialled at once every time, two honest nodes whose clocks are 90 s apart,
 * the fast one holding a sync record of its own, relinked and were dropped 130 times a second (a
 * handshake, two identity proofs and a sync each time). The first is still redialled at once: a
 * Firefox page's link to a Chromium page can end right after it opened, and the redial is what
 * joins them (bench:engines: 2 of 60 rejoins split when the first short link backed off, 0 of 60 before).
 */
export const SHORT_LINKS_BEFORE_BACKOFF = 2;

/** Unclaimed messages waiting for recv(); past this the oldest are dropped (and reported). */
export const MAX_QUEUED_MESSAGES = 100_000;

/**
 * Bytes of unclaimed messages waiting for recv(); past this the oldest are dropped (and reported).
 * A count alone does not bound memory: 100,000 messages of 4 KiB are 400 MiB. 64 MiB still holds
 * four messages of the largest frame (16 MiB) and is a small share of what a tab may allocate.
 * Counted in msgpack body bytes: a queued message also holds its decoded packets (bins are copies),
 * so the queue's memory stays under about twice this.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Put in the compression list of our handshake to say "I push my peer list to you whenever my
 * routing table changes". py2p and js2p only pick compression methods they know from that list,
 * so they ignore it. Between web2p peers it lets a relay skip neighbours the sender reaches itself.
 */
export const NEIGHBOUR_UPDATES_MARKER = 0x5750;

// ------------------------------------------------------------------ members, routed sends, requests (web2p, PROTOCOL.md §14.8–14.9)

/**
 * Every node broadcasts a small heartbeat (members.ts) at least this often. With MEMBER_TIMEOUT_MS it
 * sets how fast a crashed node leaves everyone's member list in a small mesh.
 */
export const MEMBER_HEARTBEAT_MS = 3_000;

/**
 * In a larger mesh each node beats less often, so that a node receives about this many heartbeats
 * a second (each about 100 bytes, crossing each link about once): the interval is members / this
 * seconds, never under MEMBER_HEARTBEAT_MS nor over MAX_MEMBER_HEARTBEAT_MS. 200 members beat every
 * 40 s. Past 300 members the longest interval binds, and a node receives members / 60 a second: 17
 * at MAX_MEMBERS (a simulation of N nodes in one process then grows as N², bench/sim-mesh.js).
 */
export const MEMBER_BEATS_PER_SECOND = 5;

/** How often a node looks for members gone silent and whether its own heartbeat is due (the slack on MEMBER_TIMEOUT_MS). */
export const MEMBER_SWEEP_MS = 1_000;

/** The longest heartbeat interval a node announces or is believed (bounds how long a silent member stays listed). */
export const MAX_MEMBER_HEARTBEAT_MS = 60_000;

/**
 * A member that is not a neighbour and was not heard from for this long has left (crashed, or cut
 * off): three heartbeats missed plus slack for relays, at the 3 s interval of a small mesh. A
 * member that announces a longer interval gets three of its intervals plus a second.
 */
export const MEMBER_TIMEOUT_MS = 10_000;

/**
 * Most members a socket keeps. Heartbeats can carry any sender id, so without a cap one hostile
 * peer could grow every table without bound; past it unknown senders are ignored until some leave.
 * A thousand is past any room a browser mesh holds (every member costs each node a heartbeat).
 */
export const MAX_MEMBERS = 1_000;

/**
 * Largest msgpack encoding of a node's metadata (`setMeta`). It is asked for once per change by every
 * other member, so it must stay small: a display name, an avatar URL, a status.
 */
export const MAX_META_BYTES = 1024;

/** A member's metadata we asked for and did not get is asked for again after this long. */
export const META_ASK_RETRY_MS = 10_000;

/**
 * A message routed hop by hop (routed-send.ts) is dropped after this many hops: routes follow
 * heartbeats back, so a transient loop while routes change cannot keep a message circling.
 */
export const MAX_ROUTE_HOPS = 16;

/** `request()` rejects with a TimeoutError after this long unless told otherwise. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Put in the compression list of our handshake to say "send me whispers without their id (32 zero
 * bytes) when your own list names no compression method": a whisper is neither deduplicated nor
 * relayed, so its id protects nothing, and hashing a large one costs more than encoding it
 * (PROTOCOL.md §14.11). py2p and js2p ignore it, as NEIGHBOUR_UPDATES_MARKER.
 */
export const UNHASHED_WHISPERS_MARKER = 0x5751;

/**
 * `send()` returns false once the bytes a socket holds for its peers (every link's queue, same-second
 * broadcasts included: send-backlog.ts) pass this, as Node's `stream.write()` does at its high-water
 * mark. 4 MiB keeps a WebRTC channel's own 1 MiB buffer full with a few large messages to spare.
 */
export const DEFAULT_SEND_HIGH_WATER_BYTES = 4 * 1024 * 1024;

/**
 * After `send()` returned false, 'drain' fires once the held bytes fall to this; also the default
 * mark of `whenWritable()`. A quarter of the high mark, so a waiting sender resumes while the links
 * still have plenty queued and never run dry.
 */
export const DEFAULT_SEND_LOW_WATER_BYTES = 1024 * 1024;

/**
 * The most a link adds to its `bufferedAmount` for one frame we hand it: a WebSocket frame header
 * (RFC 6455 §5.2: 2 bytes, 8 of extended length, 4 of mask key; Node's ws counts it). TCP and data
 * channels add nothing. The socket's backlog bound counts it per frame (send-backlog.ts).
 */
export const LINK_FRAME_ALLOWANCE_BYTES = 14;

/**
 * The lowest mark 'drain' and `whenWritable()` can report: a WebRTC link tells of progress only when
 * its channel's buffer falls to its own low-water mark (256 KiB, transport/webrtc/constants.ts), so a
 * lower mark might never be seen to be reached. Lower marks are raised to this.
 */
export const MIN_SEND_LOW_WATER_BYTES = 256 * 1024;

/**
 * Bytes of broadcasts held back by the same-second rule (broadcast-outbox.ts) at most; past this a
 * broadcast is refused with BroadcastBacklogFullError. A payload repeated within one second waits
 * for the next second, and everything after it waits too (order): without a bound an app repeating
 * a large payload in a loop would grow this queue without limit. 16 MiB is one largest frame.
 */
export const MAX_HELD_BROADCAST_BYTES = 16 * 1024 * 1024;

/**
 * Put in the compression list of our handshake, like NEIGHBOUR_UPDATES_MARKER, to say "I prove my
 * node id on this link" (identity-proof.ts). py2p and js2p ignore it; a peer without it cannot prove
 * anything and is refused unless the socket opted into trust: 'legacy'.
 */
export const IDENTITY_PROOF_MARKER = 0x5749;

/**
 * Put in the compression list of our handshake, like IDENTITY_PROOF_MARKER, to say "over a link
 * with DTLS fingerprints I send and take a bound proof with the handshake, and need no nonce proof"
 * (identity-proof.ts, PROTOCOL.md §14.14). Earlier web2p builds and py2p/js2p ignore it.
 */
export const BOUND_PROOF_MARKER = 0x574a;

/**
 * Bytes of the fresh nonce each side of a link sends for the other to sign: 256 bits, so that no
 * two links ever draw the same one and a recorded proof never fits another link.
 */
export const PROOF_NONCE_BYTES = 32;

// ---------------------------------------------------------------- node limits (issue 16)
// What one peer may cost this node. Each can be changed through MeshSocket's `limits` option
// (node-limits.ts); a peer that runs into one is dropped with a PeerLimitError (errors.ts).

/**
 * Most broadcast ids remembered at once. At about 100 bytes each, 262,144 is some 26 MiB. Past it
 * the oldest ids are forgotten first: at the full relay rate of a few neighbours that is after a
 * second or more, far longer than any copy of one broadcast takes to come round the mesh.
 */
export const MAX_SEEN_ENTRIES = 262_144;

/**
 * Messages per second one connection may send us, sustained (its own and those it relays). Web2p
 * senders pace themselves to it (send-pacer.ts), so it must not cap an honest app: 100-byte
 * messages reached 24–29k a second over TCP and some 18k over a data channel in a loaded browser
 * (bench:mesh-node, bench:browser), and a quiet machine goes faster. It is not what bounds a
 * flood's cost: the time budget below does that on a lagging node, and the memory a flood can
 * hold is bounded by the seen-cache and the recv queue. bench:abuse (a TCP attacker reaching some
 * 22k unique broadcasts a second, not held back by this rate) left the victim +100 MiB (RSS peak
 * over baseline, of which the victim's unread recv queue of 100,000 messages is most; +37 MiB at
 * 2,000 a second, where it held fewer), honest delivery 1.0, alive; the old 2,000 a second made
 * an honest data-channel stream lose what was over it.
 */
export const PEER_MESSAGES_PER_SECOND = 100_000;

/** Messages a connection may send at once above its rate (an initial sync, a burst of joins): two seconds' worth. */
export const PEER_MESSAGE_BURST = 200_000;

/**
 * Broadcasts per second we relay of those that came from one connection; past it they are
 * delivered here but not passed on. Half of PEER_MESSAGES_PER_SECOND, so that what one neighbour
 * floods us with fills only part of what our other neighbours take from us. Senders pace their
 * broadcasts to it, so an honest broadcaster's messages all travel past the first hop.
 */
export const RELAY_MESSAGES_PER_SECOND = 50_000;

/** Broadcasts from one connection we relay at once above that rate: two seconds' worth. */
export const RELAY_MESSAGE_BURST = 100_000;

/**
 * Bytes per second (inflated msgpack) one connection may send us, sustained. Over it frames are
 * discarded, which an honest sender would feel as loss (a stream stalls for its missing credit), so
 * it sits above what an honest link carries: a stream over loopback or a LAN moves 30–100 MB/s, a
 * browser's data channel 10–30 MB/s. It stops floods past any real link; memory is bounded anyway by
 * the transport's own flow control and the frame limits.
 */
export const PEER_BYTES_PER_SECOND = 128 * 1024 * 1024;

/** Bytes a connection may send at once above its rate: a few seconds of a fast link. */
export const PEER_BYTE_BURST = 512 * 1024 * 1024;

/**
 * We pace what we send a neighbour (send-pacer.ts) to this share of the rate its budget admits
 * (the message, byte and relay rates above), so that what the network bunches up on the way (a
 * data channel delivers a backlog at once after a stall) finds room in the receiver's burst.
 */
export const PACE_RATE_SHARE = 0.9;

/**
 * And to this share of its burst: the other half stays the receiver's, for that bunching and for
 * the few frames sent before our buckets started (a receiver's bucket starts when its link does).
 */
export const PACE_BURST_SHARE = 0.5;

/**
 * Someone else's broadcast we relay is skipped, not queued, when the pace towards a neighbour
 * would hold it longer than this: several neighbours relaying into one can owe it more than it
 * admits from us, and a relay queue without this bound would grow until that neighbour was dropped
 * for our backlog. A second of its pace is room for any burst an honest broadcaster paces to us.
 */
export const MAX_PACED_RELAY_WAIT_MS = 1_000;

/**
 * Bytes we may have queued towards one peer that it has not read yet, on any transport (a TCP or
 * TLS socket's write buffer, a WebSocket's or a data channel's bufferedAmount). Two of the largest
 * frames: an honest peer reading at any speed drains that; one that stops reading is dropped
 * rather than made to hold hundreds of MiB of ours.
 */
export const MAX_SEND_QUEUE_BYTES = 32 * 1024 * 1024;

/**
 * Bytes the send queues of all connections may hold together (send-queue-total.ts). Each queue is
 * bounded by MAX_SEND_QUEUE_BYTES, but a few neighbours that stop reading would each fill theirs:
 * without this, N slow readers cost N × 32 MiB and a handful of them an out-of-memory. Four whole
 * per-connection queues: a broadcast's frame is one buffer whichever queues hold it and counts once,
 * so an honest burst of the largest broadcasts (16 MiB frames) to any number of neighbours stays
 * near what the slowest of them holds, below 32 MiB; only whispers and answers (a frame per peer)
 * to several peers that all stopped reading add up to this.
 */
export const MAX_TOTAL_SEND_QUEUE_BYTES = 128 * 1024 * 1024;

/**
 * The last message sent to a peer is kept for its `resend` request (§1.3) only up to this size: a
 * 16 MiB broadcast must not stay pinned once per connection.
 */
export const MAX_RESEND_BYTES = 64 * 1024;

/**
 * Bytes per second of answers (resends, sync records answering stale ones) one peer may ask of us.
 * Answers over it are skipped: a request costs the requester little and the answer may be large
 * (56 KB of stale sync records were answered with 298 MiB).
 */
export const ANSWER_BYTES_PER_SECOND = 1024 * 1024;

/** Bytes of answers a peer may ask for at once above that rate. */
export const ANSWER_BYTE_BURST = 16 * 1024 * 1024;

/**
 * Connections others opened to us that we hold at once, handshaking or open. A bootstrap node may
 * see hundreds of nodes join at once (a chord ring of 256 forming); each connection costs a socket
 * and a few KiB, and what it can make us buffer is bounded by the limits below.
 */
export const MAX_INCOMING_CONNECTIONS = 1_024;

/**
 * Connections whose handshake has not arrived yet that we hold at once: each is dropped after
 * HANDSHAKE_TIMEOUT_MS anyway, so this bounds what a burst of connections that never speak holds.
 */
export const MAX_HALF_OPEN_CONNECTIONS = 512;

/**
 * Bytes of frames not complete yet, across every connection. Past it the connection holding the
 * most is dropped: 16 connections parking nearly whole 16 MiB frames held 515 MiB. Two of the
 * largest frames may be on their way at once.
 */
export const MAX_PARTIAL_FRAME_BYTES = 32 * 1024 * 1024;

/**
 * A connection that has been mid-frame for STALLED_FRAME_MS must have been sending it at this many
 * bytes a second on average, or it is dropped (any byte used to reset the clock: one byte every 20 s
 * kept a 16 MiB half-frame for ever). 16 KiB/s fills the largest frame in about 17 minutes.
 */
export const MIN_FRAME_BYTES_PER_SECOND = 16 * 1024;

/**
 * Peers remembered as reachable through a neighbour for relayed signaling (signal-relay.ts):
 * a neighbour's peer list replaces what it said before, and past this the oldest are forgotten.
 */
export const MAX_SIGNAL_ROUTES = 4_096;

/**
 * Frames of one connection handled in one task before the others get their turn (fair-reading.ts).
 * One 64 KiB read of a flood holds over a thousand small frames, tens of milliseconds of work on a
 * slow node, during which no other peer's frames are read; 64 frames keep a turn to a millisecond or
 * two, and the rest waits (its link paused, so the flooder is pushed back rather than buffered).
 */
export const FRAMES_PER_TURN = 64;

/**
 * A node whose deferred turns (fair-reading.ts) wait longer than this for the event loop is behind:
 * it cannot keep up with what it reads. Only then does each peer's handling time count against its
 * time budget below, so an idle node still lets one fast peer use all of it.
 */
export const LAGGING_TURN_MS = 50;

/**
 * The node also lags when handling its peers' frames took more than this share of its time over
 * the last second (node-load.ts): a flood of large frames, a few per read, never waits for a
 * deferred turn, yet leaves the node too little time for anything else. Three quarters: an honest
 * stream that keeps a fast node half busy is not charged, a flood that saturates it is.
 */
export const BUSY_SHARE = 0.75;

/**
 * The node's own time one peer's frames may take while the node lags (LAGGING_TURN_MS): 250 ms a
 * second, a quarter of the node. The message and byte rates are fixed counts, generous enough for
 * a fast node, so on a slow node (bench:abuse's victim got 15 % of a core) a flood within them took
 * all its time; measured in the node's own time, the budget tightens as the node slows.
 */
export const PEER_HANDLING_MS_PER_SECOND = 250;

/** Handling time above that rate a peer may take at once: a second of the node's time. */
export const PEER_HANDLING_MS_BURST = 1_000;

/**
 * Most bytes of frames a link may deliver while earlier ones wait: for the compression codec to load
 * (on demand, wire/compression-loader.ts, when a frame first looks compressed) or for WebCrypto to
 * check the peer's identity proof (identity-proof.ts). Either takes milliseconds; a peer that sends
 * more than this meanwhile is dropped, so it cannot park unbounded memory behind the wait. 64 MiB
 * is four largest default frames and more than any honest peer sends in that time.
 */
export const MAX_HELD_FRAME_BYTES = 64 * 1024 * 1024;
