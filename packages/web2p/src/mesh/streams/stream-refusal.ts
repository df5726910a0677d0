/**
 * What a socket made without streams (no `streams: streams()` from web2p/streams, issue 20) does
 * with a stream opened to it: it refuses it with a cancel frame (PROTOCOL.md §14.10), so the sender's
 * `sendStream` rejects with StreamRefusedError that says why, instead of waiting for its timeout.
 * Such a socket carries no streams for others either (it answers no route probe), so a sender
 * beyond it gets StreamUnreachableError. Everything else of streams stays out of its bundle.
 */
import type { Connection } from '../connection.js';
import type { Message } from '../message.js';
import type { MeshContext, Service } from '../service.js';
import { decodeStreamHead, encodeCancelFrame, openEnds, STREAM_SUBFLAG, whisper } from './stream-frame-head.js';

export class StreamRefusal implements Service {
  readonly name = 'stream refusal';
  readonly subFlags = [STREAM_SUBFLAG];
  private mesh!: MeshContext;

  start(mesh: MeshContext): void {
    this.mesh = mesh;
  }

  handle(msg: Message, conn: Connection): void {
    // Only the head is read: a frame's body is the streams feature's to check, and this node has none.
    const frame = decodeStreamHead(msg.wire.payload);
    if (frame.kind !== 'open') return; // the rest of a stream we never took
    const { from, to } = openEnds(msg.wire.payload);
    if (to !== this.mesh.id) return;
    const text = "this node was made without streams (new MeshSocket({ streams: streams() }), import { streams } from 'web2p/streams')";
    this.mesh.debug.print(2, () => `stream ${frame.id.slice(0, 8)} from ${from} refused: no streams here`);
    whisper(conn, encodeCancelFrame(frame.id, 'refused', text));
  }
}
