/**
 * Chord attackers for the adversarial suite (issue 15, PROTOCOL.md §14.18), two kinds:
 * - ChordWireAttacker: a RecordAttacker (a hand-written wire client on a real TCP link that proves
 *   its own id) that speaks chord's messages as a test scripts them: metas claiming ring positions,
 *   records signed by whichever key it holds (its own, or a garbage signature in another's name).
 * - turnLiar(): a real ChordSocket (a ring member in good standing, on real TCP) whose answers to
 *   requests routed to it are replaced by the test's: a node that answers reads of a victim key
 *   with its own value, or acknowledges writes without storing them. Only that node's answers
 *   change; every other node in the process runs the library unchanged.
 */
import { ChordService } from '../../packages/web2p/src/chord/chord-service.js';
import { encodeAnswer, encodeMeta, encodeRecord, type ChordAnswer, type ChordRecords, type ChordRequest, type WireRecord } from '../../packages/web2p/src/chord/messages.js';
import { whisper } from '../../packages/web2p/src/chord/whisper.js';
import type { Connection } from '../../packages/web2p/src/mesh/connection.js';
import { signAnswer, signRecord, type ProofContext } from '../../packages/web2p/src/chord/record-proof.js';
import type { Identity } from '../../packages/web2p/src/identity/identity.js';
import { ChordSocket, type ChordSocketOptions } from '../../packages/web2p/src/node/index.js';
import { toBase58 } from '../../packages/web2p/src/wire/base58.js';
import { flags, type Packet } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { RecordAttacker } from './record-attacker.js';

/** A storing node on TCP alone on its ring (so responsible for every key) holding 'honest', and an attacker linked to it. */
export interface AttackedNode {
  node: ChordSocket;
  attacker: ChordWireAttacker;
  /** The node's 'error' events from the attacker's arrival on. */
  errors: Error[];
}

/** Makes an AttackedNode with `options`; `track` gets each socket to close after the test. */
export async function attackedNode(options: ChordSocketOptions, track: (closable: ChordSocket | ChordWireAttacker) => void): Promise<AttackedNode> {
  const node = new ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, ...options });
  track(node);
  await node.listening;
  await node.join();
  await node.set('honest', 'kept');
  const errors: Error[] = [];
  node.on('error', (error) => errors.push(error));
  const attacker = await ChordWireAttacker.connect(node);
  track(attacker);
  await waitFor(() => node.routingTable.has(attacker.id), 10_000, 'the attacker is linked');
  return { node, attacker, errors };
}

/** The protocol ids a chord node's signatures are bound to. */
export function proofContext(node: ChordSocket): ProofContext {
  return { wireProtocolId: node.protocol.id + toBase58(node.k), idProtocolId: node.protocol.id };
}

/** A signature of the right size that verifies for nobody. */
export function garbageProof(identity: Identity): WireRecord['proof'] {
  return { publicKey: identity.publicKey, signature: new Uint8Array(64).fill(7) };
}

export class ChordWireAttacker {
  private constructor(
    readonly wire: RecordAttacker,
    readonly context: ProofContext,
  ) {}

  /** Links to `node` over TCP as a proven web2p peer of its ring. */
  static async connect(node: ChordSocket): Promise<ChordWireAttacker> {
    const context = proofContext(node);
    return new ChordWireAttacker(await RecordAttacker.connect(node.address, context.wireProtocolId, context.idProtocolId), context);
  }

  get id(): string {
    return this.wire.id;
  }

  get closed(): boolean {
    return this.wire.closed;
  }

  /** Says it stores at `position` (its successor list empty); `ask` asks for the node's meta back. */
  claimPosition(position: number, ask = false): void {
    this.wire.send(flags.whisper, encodeMeta({ storing: true, position, pred: undefined, list: [], ask }));
  }

  /** A record signed by `signer` (default: the attacker) in the name of `writer` (default: the signer's id). */
  record(fields: { key: Uint8Array; version: number; value?: Packet; writer?: string; signer?: Identity }): Packet {
    const signer = fields.signer ?? this.wire.identity;
    const writer = fields.writer ?? this.wire.id;
    return encodeRecord(signRecord(signer, this.context, { key: fields.key, version: fields.version, value: fields.value, writer }));
  }

  /** Sends `records` (wire form) as replica copies, as the responsible node of their keys would. */
  sendReplicas(records: Packet[]): void {
    this.wire.send(flags.whisper, [flags.notify, 'replica', null, records]);
  }

  /** Sends a write request for `key` carrying `record`, as if routed to the node as the final hop (or, `final` false, for it to route on). */
  sendWrite(requestId: string, position: number, key: Uint8Array, record: Packet, final = true): void {
    this.wire.send(flags.whisper, [flags.store, requestId, 1, final, position, key, record, null]);
  }

  close(): void {
    this.wire.close();
  }
}

/**
 * What a liar answers to a request that reached it: an answer (its own, signed or not), or
 * undefined to answer as the library would.
 */
export type Lie = (request: ChordRequest, liar: { self: ChordAnswer['responder']; identity: Identity; context: ProofContext }) => ChordAnswer | undefined;

type OnRequest = (this: ChordService, conn: Connection, request: ChordRequest) => void;

/**
 * Makes the ChordSocket whose id is `liarId` answer the requests its neighbours send it with
 * `lie` (where it returns an answer; else it routes or answers them as the library does), whether
 * or not it is the key's node. Returns the function that makes it honest again (for afterEach).
 */
export function turnLiar(liarId: string, lie: Lie): () => void {
  const prototype = ChordService.prototype as unknown as { onRequest: OnRequest };
  const honest = prototype.onRequest;
  prototype.onRequest = function (this: ChordService, conn, request) {
    const forged = this.mesh.id === liarId ? lie(request, { self: this.ring.self(), identity: this.mesh.identity, context: this.proofs }) : undefined;
    if (forged) whisper(conn, encodeAnswer(forged));
    else honest.call(this, conn, request);
  };
  return () => {
    prototype.onRequest = honest;
  };
}

/** The liar's own answer, signed by it: what a member in good standing can say. */
export function signedLie(request: ChordRequest, liar: Parameters<Lie>[1], status: ChordAnswer['status'], value: Packet | undefined): ChordAnswer {
  return signAnswer(liar.identity, liar.context, { id: request.id, hops: request.hops, responder: liar.self, status, value }, request.key!);
}

type OnRecords = (this: ChordService, conn: Connection, message: ChordRecords) => void;

/**
 * Makes the ChordSocket whose id is `silentId` ignore the replica copies sent to it (it neither
 * stores nor confirms them), as a replica that is slow or hostile would. Returns the undo.
 */
export function turnSilentReplica(silentId: string): () => void {
  const prototype = ChordService.prototype as unknown as { onRecords: OnRecords };
  const honest = prototype.onRecords;
  prototype.onRecords = function (this: ChordService, conn, message) {
    if (this.mesh.id !== silentId || message.kind !== 'replica') honest.call(this, conn, message);
  };
  return () => {
    prototype.onRecords = honest;
  };
}
