/**
 * What `sendStream` accepts, as one async iterator of byte chunks no larger than a chunk size, and
 * the total size when it is known up front (bytes, Blob). Bytes are sliced (views, no copies);
 * a stream or iterable is read one chunk at a time, so nothing is read ahead of the credit window.
 */

/** What `sendStream(to, data)` takes. */
export type StreamData = Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface StreamSource {
  /** Total bytes, when known before reading (a Uint8Array's length, a Blob's size). */
  readonly size: number | undefined;
  readonly chunks: AsyncIterator<Uint8Array>;
}

export function streamSource(data: StreamData, chunkBytes: number): StreamSource {
  if (data instanceof Uint8Array) return { size: data.length, chunks: sliced(single(data), chunkBytes) };
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    return { size: data.size, chunks: sliced(readerChunks(data.stream() as ReadableStream<Uint8Array>), chunkBytes) };
  }
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) {
    return { size: undefined, chunks: sliced(readerChunks(data), chunkBytes) };
  }
  if (data && typeof (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return { size: undefined, chunks: sliced(data as AsyncIterable<Uint8Array>, chunkBytes) };
  }
  throw new TypeError('sendStream takes a Uint8Array, a Blob, a ReadableStream<Uint8Array> or an async iterable of Uint8Array');
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A ReadableStream's chunks through its reader (not every browser makes streams async-iterable); cancelled if we stop early. */
async function* readerChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Each piece cut into views of at most `chunkBytes`; empty pieces skipped; anything but bytes refused. */
async function* sliced(pieces: AsyncIterable<Uint8Array>, chunkBytes: number): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) {
    if (!(piece instanceof Uint8Array)) throw new TypeError(`a stream's chunks must be Uint8Array, got ${typeof piece}`);
    for (let at = 0; at < piece.length; at += chunkBytes) yield piece.subarray(at, at + chunkBytes);
  }
}
