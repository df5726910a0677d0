/**
 * Streams as a feature a socket opts into (issue 20): `new MeshSocket({ streams: streams() })` with
 * `streams` from web2p/streams. A socket made without it bundles none of the stream code (only
 * stream-refusal.ts, which refuses streams opened to it).
 */
import { StreamService, type StreamOptions } from './stream-service.js';

/** What `streams()` gives, for the socket option `streams`: makes each socket's StreamService. */
export interface StreamsFeature {
  /** The socket's stream service; `hasListener` says whether anyone listens for 'stream'. */
  service(hasListener: () => boolean): StreamService;
}

/**
 * Turns streams on for a socket: `sendStream` and the 'stream' event. `options` tune chunk size,
 * window, timeouts and limits (StreamOptions). Throws RangeError on a bad chunk size or window.
 */
export function streams(options: StreamOptions = {}): StreamsFeature {
  new StreamService(options, () => false); // checks the options now, where the app passes them
  return { service: (hasListener) => new StreamService(options, hasListener) };
}
