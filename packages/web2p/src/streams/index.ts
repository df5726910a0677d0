/**
 * web2p/streams: streams of any size between two nodes of a mesh (PROTOCOL.md §14.10), opted into
 * per socket so that apps that do not stream do not bundle them (issue 20):
 *
 * ```ts
 * import { MeshSocket } from 'web2p';
 * import { streams } from 'web2p/streams';
 * const sock = new MeshSocket({ streams: streams() });
 * await sock.sendStream(peerId, file, { label: file.name });
 * sock.on('stream', (stream) => stream.readable.pipeTo(sink));
 * ```
 *
 * A socket made without it refuses streams opened to it (the sender gets StreamRefusedError).
 * @packageDocumentation
 */
export { streams, type StreamsFeature } from '../mesh/streams/streams-feature.js';
export { IncomingStream, type IncomingStreamEvents } from '../mesh/streams/incoming-stream.js';
export type { SendStreamOptions, StreamOptions } from '../mesh/streams/stream-service.js';
export type { StreamData } from '../mesh/streams/stream-source.js';
