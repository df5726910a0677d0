/** Ring parameters for ChordSocket (the seed tutorial's design). Options override them. */

/**
 * Ring of 2**6 = 64 positions by default, as the seed tutorial's `chord_socket(..., k=6)`: room for
 * 64 storing nodes, and a lookup takes at most 6 routed requests.
 */
export const DEFAULT_K = 6;

/** The smallest ring worth having: two positions. */
export const MIN_K = 1;

/**
 * Positions are JS numbers and the arithmetic uses `2 ** k`, which is exact far beyond this; 30 is
 * where we stop because it keeps every position a small integer (below 2**30, so it also survives
 * 32-bit bitwise code) and 2**30 storing nodes is beyond any browser swarm.
 */
export const MAX_K = 30;

/**
 * Each item lives on its responsible node and is copied to this many of its successors (4 copies in
 * all), so that a node leaving or crashing loses nothing: three neighbours can fail at once before
 * data is at risk.
 */
export const DEFAULT_REPLICAS = 3;

/**
 * Successor-list length: how many nodes after itself each storing node tracks. It must cover the
 * replicas (a value lives on its node and the next `replicas`), and it is what keeps the ring
 * whole when nodes crash together: a node loses its way round only if every one of them dies before
 * the next stabilization round, which for a quarter of the ring crashing at once is 0.25**8 ≈ 1.5e-5
 * per node. The effective length is max(this, replicas).
 */
export const SUCCESSOR_LIST_SIZE = 8;

/**
 * Stabilization period: each round a storing node checks its successor (and learns its successor
 * list), re-replicates if its range or replica set changed, and refreshes one finger. Two seconds
 * keeps repair well inside the simulator's 5 s failure detection without flooding the links.
 */
export const STABILIZE_MS = 2_000;

/**
 * A routed request unanswered after this long is sent again: a hop may have crashed with it in
 * flight. A lookup takes at most k hops there and k back, each a link latency (40 ms in the
 * simulator, a few hundred ms over real WebRTC), so 5 s only fires on a real loss.
 */
export const LOOKUP_ATTEMPT_MS = 5_000;

/**
 * Attempts before a lookup rejects with TimeoutError: 3 × 5 s spans a crash being detected (5 s in
 * the simulator) and the ring repairing around it, which is what a retry can wait out.
 */
export const LOOKUP_ATTEMPTS = 3;

/**
 * A request that found no storing neighbour to go to is tried again this soon: the usual cause is
 * a neighbour's meta still on its way, which takes one link latency.
 */
export const NO_ROUTE_RETRY_MS = 500;

/**
 * How long a relaying node remembers where a request came from, to pass the answer back along the
 * reverse path: the longest a request can live (every attempt of it).
 */
export const FORWARD_MEMORY_MS = LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS;

/**
 * A request that has made this many hops is dropped (its attempt times out and is retried): with
 * a correct ring a lookup takes at most k, so anything past 2k + 4 is looping on stale routes.
 */
export const EXTRA_HOPS = 4;

/**
 * join() waits at most this long for its neighbours' fresh metas before deciding whether a ring
 * exists: one round trip normally, and a neighbour that does not answer must not block the join.
 */
export const META_WAIT_MS = 3_000;

/**
 * join() gives up (TimeoutError) when its successor has not accepted it by then: long enough for a
 * few lookups and stabilization rounds, short enough to tell the user something is wrong.
 */
export const JOIN_TIMEOUT_MS = 30_000;

/** leave() and close() wait this long for the successor to confirm it took the keys over. */
export const HANDOFF_ACK_MS = 5_000;

/**
 * A dial to a ring node that has not linked by then is taken for one that cannot (two browsers
 * behind symmetric NATs without TURN, whose dial fails only at the connect timeout, 20–30 s): chord
 * messages take the mesh route to it meanwhile (mesh-routes.ts), and the link replaces the route if
 * it comes. A dial that can succeed links within about a second, mesh-relayed WebRTC signaling
 * included (see REPLICA_ACK_MS), so a forming ring's dials that will succeed are waited for: sending
 * its stabilization over multi-hop routes instead slowed 256 concurrent joins past their deadline.
 */
export const ROUTE_WHILE_DIALLING_MS = 1_000;

/**
 * A write is answered once its replicas confirm their copies, but no later than this: a replica is
 * usually a neighbour (one round trip), one that must be dialled first takes up to a second over
 * mesh-relayed WebRTC signaling, and the answer must still reach the writer well within its
 * LOOKUP_ATTEMPT_MS. A replica that does not confirm in time does not fail the write (the value is
 * stored here); re-replication at the next stabilization round covers it.
 */
export const REPLICA_ACK_MS = 2_000;

/**
 * How far past the key's node a writer looks for replicas that will sign for its write, in
 * multiples of `replicas` (PROTOCOL.md §14.18): the key's node's answer names the replicas that
 * confirmed; the writer sends the record itself to the ones it expects that did not, and, for
 * each that cannot be reached (crashed, or not yet known to be gone), to the next node after them.
 * Twice `replicas` covers as many replicas lost at once as it needs, and bounds what one write
 * costs: at most this × `replicas` direct copies, in at most this many rounds of REPLICA_ACK_MS.
 */
export const WRITE_REPLICA_REACH = 2;

/**
 * A node that could not be reached is kept out of successor lists and finger tables this long, so
 * a crashed node that neighbours still list (until they notice) is not dialled again and again.
 */
export const DEAD_MEMORY_MS = 30_000;

/**
 * How long a node that answered with a forgery or a signed lie (a record its writer did not sign,
 * an acknowledgement of what was not written) is kept out of our view of the ring. It is dropped
 * too, but a ring member redials its neighbours at once, and each request sent to it again would
 * cost an attempt. Ten minutes: its offence is proven (signed, or forged past a relay that checks),
 * so no honest node is kept out, and a node that comes back after that is checked again anyway.
 */
export const OFFENDER_MEMORY_MS = 10 * 60_000;

/**
 * Items per replica or handoff message: a node's whole range moves in batches of this many, so a
 * large shard never makes one frame near the mesh's 16 MiB limit (at ordinary value sizes).
 */
export const RECORDS_PER_MESSAGE = 256;

/**
 * A joined node answers data requests only for the range its successor handed it (messages.ts
 * meta), not for everything after a predecessor that claims it from further away, until that
 * range's old holder has become its predecessor or this long has passed. A few stabilization rounds let the old
 * holder find us; if it crashed meanwhile, its range is unanswered at most this long before the
 * classic rule (answer for everything after the predecessor) takes over again.
 */
export const HANDED_RANGE_MS = 10 * STABILIZE_MS;

/**
 * How long after its range grew (its predecessor failed or left) a node still pulls the keys of
 * the range it gained from successors that newly appear in its list (PROTOCOL.md §14.4): the
 * copies of that range are on the nodes the failed one listed, which are its new successors once
 * its own list has converged, one entry per stabilization round. Five rounds cover the replicas'
 * worth of entries (three by default) with room to spare; each successor is asked once.
 */
export const RANGE_PULL_MS = 5 * STABILIZE_MS;

/**
 * How many pulls a node answers from one neighbour at once, and then one per stabilization round
 * (PULLS_PER_SECOND): an honest node asks each successor once per range it gains, which takes
 * its predecessor failing, a few in a row when neighbours crash together. An answer is what we
 * hold in the range asked for, so this bounds what a neighbour can make us send to a round's worth.
 */
export const PULL_BURST = 4;
export const PULLS_PER_SECOND = 1_000 / STABILIZE_MS;

/**
 * How many positions a node may probe clockwise from its derived one (the top k bits of SHA-256 of
 * its id, ring.ts idPosition) when that one is taken (PROTOCOL.md §14.18). Every node checks the
 * positions it is told about against it, so a node cannot stand wherever it likes: to land in a
 * chosen stretch of the ring it must grind key pairs, about 2**k / (16 + the stretch) of them.
 * Linear probing at 80% occupancy needs some 13 probes on average, so 16 lets a ring fill to about
 * that before a join fails with the window full; a ring smaller than 16 positions is probed whole.
 */
export const CHORD_POSITION_PROBES = 16;

/**
 * Derived positions of node ids remembered (ring.ts): every meta names up to a dozen nodes, each
 * checked; an entry is an id and a number, so 4096 of them stay under half a MiB.
 */
export const POSITIONS_CACHED = 4096;

/**
 * How many times a write is signed again at a higher version when the responsible node already
 * holds the key at its version or later ('stale': a writer whose clock is behind, or two writes
 * in one millisecond), and how many times applyDelta reads again when the value changed under it.
 * Each round learns the version held, so one retry settles a lone writer; past this many, writers
 * are racing on the key and the caller gets a ChordWriteConflictError to retry later.
 */
export const CHORD_WRITE_ATTEMPTS = 5;

/**
 * Ring nodes one node talks to over the mesh route at once (chord/mesh-routes.ts), because no direct
 * link to them could be made. A node needs its predecessor, successor list and fingers (about 2k + 4
 * with the default k); routed messages can name any sender, so past this cap messages from further
 * unknown senders are ignored and a forger cannot grow the table without bound.
 */
export const MAX_ROUTED_RING_NODES = 64;

/**
 * How far ahead of our clock (ms) a record's version may be when a peer hands it to us as a
 * replica or handoff. A version is the writing node's clock time (or one more than the version it
 * replaces), and the higher version wins, so one far ahead (1e308) could never be overwritten by an
 * honest write. A minute covers honest clock skew; a record past it is refused and its sender
 * dropped, unless it is only one above the version we hold.
 */
export const CHORD_VERSION_WINDOW_MS = 60_000;

/**
 * How many records (values and deletions) one writer may have on each storing node, its own keys
 * and the replicas it keeps, and how many a node lets its own user write in all (issue 16). A
 * writer's keys spread over the ring, but on a small ring they all land on the same few nodes, so
 * without a bound one peer writing 100,000 keys fills those nodes' memory and store. Ten thousand,
 * as SYNC_MAX_KEYS_PER_OWNER: far more than an index or a directory of rooms needs.
 */
export const CHORD_MAX_KEYS_PER_WRITER = 10_000;

/**
 * How many bytes (keys plus msgpack-encoded values) one writer may have on each storing node, and
 * write in all from one node: 8 MiB, as SYNC_MAX_BYTES_PER_OWNER, so a few hundred writers at their
 * quota still fit a tab's memory.
 */
export const CHORD_MAX_BYTES_PER_WRITER = 8 * 1024 * 1024;

/**
 * How many records one storing node keeps from all writers together, and how many bytes: as
 * SYNC_MAX_STORED_KEYS and SYNC_MAX_STORED_BYTES, and for their reason (writers are identities any
 * peer can make, each with its own quota). Past them new records are refused, whoever wrote them.
 */
export const CHORD_MAX_STORED_KEYS = 100_000;
export const CHORD_MAX_STORED_BYTES = 128 * 1024 * 1024;
