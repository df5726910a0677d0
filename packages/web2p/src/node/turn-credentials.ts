/**
 * node-datachannel's RTCPeerConnection takes TURN credentials differently from browsers: its polyfill
 * writes them into a `turn:user:pass@host` URL that libdatachannel parses, so a coturn REST username
 * (`<expiry>:<name>`) or a base64 credential (`/`, `+`, `=`) broke it and no relay was allocated.
 * Percent-encoded, libdatachannel decodes them back.
 */
import type { IceServer, RtcConfiguration } from '../transport/webrtc/rtc-types.js';

/** `configuration` with every TURN username and credential percent-encoded for libdatachannel. */
export function forLibDataChannel(configuration: RtcConfiguration = {}): RtcConfiguration {
  return { ...configuration, iceServers: configuration.iceServers?.map(encodeCredentials) };
}

function encodeCredentials(server: IceServer): IceServer {
  const { username, credential } = server;
  if (username === undefined || typeof credential !== 'string') return server;
  return { ...server, username: encodeURIComponent(username), credential: encodeURIComponent(credential) };
}
