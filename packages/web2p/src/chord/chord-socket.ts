/**
 * ChordSocket: a distributed hash table on top of the mesh, in the seed tutorial's design:
 * a ring of 2**k positions, each storing node at one of them, each key at the first node at or after
 * its position (classic Chord), copied to the next `replicas` nodes, and found in at most k routed
 * requests through finger tables. Nodes that have not joined store nothing and read and write
 * through storing neighbours.
 *
 * Design (see messages.ts for the wire format; the behaviour lives in chord-service.ts, the ring
 * membership in membership.ts; this class is the public API):
 * - Position: the top k bits of SHA-256 of the node id's UTF-8 text; on collision the first free
 *   position clockwise (ring.ts resolvePosition), found by asking the ring, not guessed, within
 *   CHORD_POSITION_PROBES of the derived one: every node refuses entries naming a position that
 *   the id does not allow, so a node cannot choose where it stands (PROTOCOL.md §14.18).
 * - Signed state (issue 15, §14.18): each record is signed by its writer (this node's identity)
 *   over key, value hash, version and writer id; storing nodes and replicas verify before keeping
 *   a record, readers verify what they get (a bad answer is bypassed by asking the replicas, and
 *   its sender dropped), and a write counts as stored only when the key's node acknowledges it
 *   with its signature. Under trust 'legacy', unsigned records and answers are taken too.
 * - Routing is recursive over connections the node already has (the successor, fingers and any
 *   storing neighbour whose position it knows); answers go back along the reverse path.
 * - Stabilization every STABILIZE_MS: ask the successor for its predecessor and successor list
 *   (one meta exchange), re-replicate when the range or the replica set changed, refresh a finger.
 * - Joins take their keys from the successor; leaves hand theirs to it; crashes are covered by the
 *   replicas and re-replication, so data survives while no more than `replicas` consecutive nodes
 *   fail between two rounds.
 * - keys() lists the keys this node is responsible for (its shard without the replicas), so the
 *   union over all storing nodes is the whole dict, each key once. It is local and synchronous:
 *   py2p's network-wide key set costs a broadcast to every node per write, which is exactly the
 *   O(n) a DHT exists to avoid.
 * - persist: the shard, the node's position and its key pair go to a Store; a restarted node is the
 *   same node (same id: await `ready` before reading it) and rejoins at the saved position, so the
 *   keys it kept are again in its range.
 * - Quotas (issue 16): each write names its writer, proven by its signature; a storing node keeps
 *   at most maxKeysPerWriter records and maxBytesPerWriter bytes of each writer, and a writer
 *   checks its own writes against the same limits before sending (own-writes.ts), so only a peer
 *   that ignores them is dropped.
 */
import { ChordWriteConflictError, KeyError, QuotaExceededError } from '../errors.js';
import { MeshSocket, type MeshEvents, type MeshSocketOptions } from '../mesh/mesh-socket.js';
import { describeKey } from '../replica/keys.js';
import { limitOf, quotaLimitNamed } from '../replica/quota.js';
import { isMapping, mergeMapping } from '../replica/mapping.js';
import type { PersistOption } from '../store/types.js';
import { utf8, type Packet } from '../wire/packet.js';
import { Protocol } from '../wire/protocol.js';
import { ChordService } from './chord-service.js';
import { CHORD_WRITE_ATTEMPTS } from './constants.js';
import type { ChordAnswer, NodeEntry } from './messages.js';
import { keyPosition } from './ring.js';

export type { NodeEntry } from './messages.js';

/** Options of `new ChordSocket(options)`: the mesh's, plus the ring's size, replication and persistence. */
export interface ChordSocketOptions extends MeshSocketOptions {
  /** The ring has 2**k positions: at most 2**k storing nodes, at most k hops a lookup. Default 6. */
  k?: number;
  /** How many successors of a value's node keep a copy of it (the r): 1 + replicas copies in all. Default 3. */
  replicas?: number;
  /**
   * Keep the shard: true = IndexedDB in browsers (namespace `chord:<protocol id + base58(k)>`) and
   * `./.web2p` in Node, `{ dir }` for another directory (Node), or any Store.
   */
  persist?: PersistOption;
  /**
   * Most records (values and deletions) one writer may have on each storing node, and this node's
   * user may write in all: our own writes past it reject with QuotaExceededError before they are
   * sent; a peer's are refused, and the peer dropped when it wrote them itself. Default
   * CHORD_MAX_KEYS_PER_WRITER (10,000); peers should agree on it.
   */
  maxKeysPerWriter?: number;
  /** Most bytes (keys and encoded values) per writer, likewise. Default CHORD_MAX_BYTES_PER_WRITER (8 MiB). */
  maxBytesPerWriter?: number;
  /**
   * Most records a storing node keeps from all writers together: past it, writes of new keys are
   * refused (the writer's write rejects with QuotaExceededError, `what` 'stored-keys'); nobody is
   * dropped for it. Default CHORD_MAX_STORED_KEYS (100,000).
   */
  maxStoredKeys?: number;
  /** Most bytes a storing node keeps from all writers together, likewise. Default CHORD_MAX_STORED_BYTES (128 MiB). */
  maxStoredBytes?: number;
}

/** The events of a ChordSocket: the mesh's, plus `join` and `leave` of the ring. */
export type ChordEvents = MeshEvents & {
  /** This node now stores data, at this ring position. */
  join: (position: number) => void;
  /** This node stopped storing (leave() or close()); its keys went to its successor. */
  leave: () => void;
};

/** A key of the chord dict: bytes, or a string taken as its UTF-8. */
export type ChordKey = string | Uint8Array;

/** What getWithInfo() tells besides the value: how the lookup went. */
export interface LookupInfo {
  found: boolean;
  value: Packet | undefined;
  /** Routed requests sent to reach the answering node (0 when this node answered). */
  hops: number;
  /** The node that answered: the key's responsible node, or a replica when its answer failed the reader's checks (PROTOCOL.md §14.18). */
  node: string;
  /** The key's ring position. */
  position: number;
}

/** A snapshot of this node's place on the ring, for tests, demos and debugging. */
export interface RingState {
  position: number | undefined;
  predecessor: NodeEntry | undefined;
  successors: readonly NodeEntry[];
  fingers: readonly NodeEntry[];
}

/**
 * ChordSocket: the distributed hash table described at the top of this file.
 *
 * @example
 * ```ts
 * import { ChordSocket } from 'web2p';
 *
 * const dht = new ChordSocket({ k: 6, replicas: 3 });
 * await dht.connect('ws://127.0.0.1:8787/dht');
 * await dht.join();                          // store a share of the data (else only ask)
 * await dht.set('key', { any: 'msgpack value' });
 * await dht.get('key');                      // KeyError when absent
 * ```
 */
export class ChordSocket extends MeshSocket<ChordEvents> {
  /** The protocol of sockets made without one (py2p's `chord.default_protocol`). */
  static override defaultProtocol = new Protocol('chord', 'Plaintext');

  /** The ring has 2**k positions. */
  readonly k: number;
  /** How many successors keep a copy of each value. */
  readonly replicas: number;
  readonly #node: ChordService;

  constructor(options: ChordSocketOptions = {}) {
    const node = new ChordService(options);
    super(options, [node]);
    this.#node = node;
    this.k = node.k;
    this.replicas = node.replicas;
  }

  /** Whether this node stores data (joined). */
  get joined(): boolean {
    return this.#node.ring.member;
  }

  /** This node's place on the ring as it knows it: position, predecessor, successors, fingers. */
  ringState(): RingState {
    const { ring } = this.#node;
    return {
      position: ring.position,
      predecessor: ring.pred,
      successors: [...ring.successors],
      fingers: ring.fingers.entries(),
    };
  }

  // ---------------------------------------------------------------- the dict

  /** The value at `key`; rejects with KeyError when absent, unless a fallback is given. */
  get(key: ChordKey, fallback?: Packet): Promise<Packet> {
    return this.#pending(() =>
      this.#read(key).then((info) => {
        if (info.found) return info.value!;
        if (fallback !== undefined) return fallback;
        throw new KeyError(`key ${JSON.stringify(describeKey(key))} is not in the chord dict`);
      }),
    );
  }

  /** Like get(), but never rejects for an absent key, and says how many hops it took and who answered. */
  getWithInfo(key: ChordKey): Promise<LookupInfo> {
    return this.#pending(() => this.#read(key));
  }

  /**
   * Stores `value` at `key` on its responsible node and the replicas; resolves once the key's node
   * acknowledged it with its signature and the replicas this node expects signed for their copies
   * (those missing get the record from this node directly: PROTOCOL.md §14.18).
   * Rejects with QuotaExceededError when it would take this node's writes past maxKeysPerWriter or
   * maxBytesPerWriter (as do update(), delete() and applyDelta()), ChordWriteConflictError when
   * other writers kept writing the key meanwhile, TimeoutError when no valid acknowledgement came,
   * ChordReplicationError when too few replicas confirmed (retry once the ring has settled).
   */
  set(key: ChordKey, value: Packet): Promise<void> {
    return this.#pending(() => this.#write(key, value).then(() => undefined));
  }

  /** set() for every entry, in parallel; resolves when all are stored. */
  update(entries: Record<string, Packet> | Map<ChordKey, Packet>): Promise<void> {
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
    return this.#pending(() => Promise.all(pairs.map(([key, value]) => this.set(key, value))).then(() => undefined));
  }

  /** Removes `key`; resolves true if it was there, false if not (as Map.delete). */
  delete(key: ChordKey): Promise<boolean> {
    return this.#pending(() => this.#write(key, undefined).then((info) => info.found));
  }

  /**
   * Merges `mapping` into the mapping at `key` (created when absent) and resolves with the result;
   * rejects with TypeError when the value there is not a mapping (PROTOCOL.md §6.4). The merge is
   * made here and written as a signed record on condition that the value is still the one read
   * (§14.18); when another write came between, it reads and merges again, up to
   * CHORD_WRITE_ATTEMPTS times (then ChordWriteConflictError).
   */
  applyDelta(key: ChordKey, mapping: { [key: string]: Packet }): Promise<{ [key: string]: Packet }> {
    if (!isMapping(mapping)) return Promise.reject(new TypeError('applyDelta needs a mapping (a plain object)'));
    return this.#pending(async () => {
      for (let attempt = 0; attempt < CHORD_WRITE_ATTEMPTS; attempt++) {
        const { record } = await this.#node.read(this.#keyBytes(key), keyPosition(this.#keyBytes(key), this.k));
        if (record && !isMapping(record.value)) {
          throw new TypeError(`the value at ${JSON.stringify(describeKey(key))} is not a mapping, so a delta cannot merge into it`);
        }
        const merged = mergeMapping(record?.value, mapping);
        const info = await this.#write(key, merged, record?.version ?? 0);
        if (info.status !== 'stale') return merged;
      }
      throw new ChordWriteConflictError(describeKey(key), CHORD_WRITE_ATTEMPTS);
    });
  }

  /** The keys this node is responsible for (see the top of this file); none when not joined. */
  keys(): Uint8Array[] {
    const { ring, shard } = this.#node;
    const { member, position, pred } = ring;
    if (!member) return [];
    return shard.liveKeys(pred?.position ?? position!, position!);
  }

  // ---------------------------------------------------------------- joining and leaving

  /**
   * Makes this node a storing node. Resolves once its successor has accepted it (and handed over
   * the keys now in its range); rejects when the ring is full or no successor accepts it in time.
   */
  join(): Promise<void> {
    return this.ready.then(() => this.#node.membership.join());
  }

  /**
   * Resolves once every change to this node's shard so far (its own writes and copies it holds) is
   * durable in the store; rejects with the StoreError when one is not. Without `persist`, at once.
   */
  flush(): Promise<void> {
    return this.#node.flush();
  }

  /** Stops storing: hands every key to the successor, and forgets the persisted shard. */
  leave(): Promise<void> {
    return this.ready.then(() => this.#node.membership.leave());
  }

  #keyBytes(key: ChordKey): Uint8Array {
    const bytes = typeof key === 'string' ? utf8(key) : key;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a chord key must be a string or a Uint8Array');
    return bytes;
  }

  async #read(key: ChordKey): Promise<LookupInfo> {
    const bytes = this.#keyBytes(key);
    const position = keyPosition(bytes, this.k);
    const { answer, record } = await this.#node.read(bytes, position);
    return { found: record !== undefined, value: record?.value, hops: answer.hops, node: answer.responder.id, position };
  }

  /** Writes `value` (undefined: deletes), within this node's quota; `base` as ChordService.write. */
  async #write(key: ChordKey, value: Packet | undefined, base?: number): Promise<LookupInfo & { status: ChordAnswer['status'] }> {
    const bytes = this.#keyBytes(key);
    const position = keyPosition(bytes, this.k);
    const { ownWrites, quota, mesh } = this.#node;
    ownWrites.check(this.id, bytes, value, mesh.clock.now());
    const answer = await this.#node.write(bytes, position, value, base);
    if (answer.status === 'quota') {
      // The responsible node holds more of ours than we counted (it keeps deletions of ours we forgot, say).
      const over = quotaLimitNamed(answer.value);
      throw new QuotaExceededError(this.id, over, limitOf(quota, over));
    }
    if (answer.status === 'ok') ownWrites.wrote(bytes, value, mesh.clock.now());
    return { found: answer.status === 'ok', value, hops: answer.hops, node: answer.responder.id, position, status: answer.status };
  }

  /**
   * Runs `operation` once the node has started (with `persist`, after its identity was read from the
   * store: see `ready`), as a promise the caller awaits on the socket's behalf (a simulation's clock
   * runs meanwhile).
   */
  #pending<T>(operation: () => Promise<T>): Promise<T> {
    return this.ready.then(() => this.#node.mesh.clock.whilePending(operation()));
  }
}
