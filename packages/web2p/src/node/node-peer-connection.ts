import { RTCPeerConnection as DataChannelPeerConnection } from 'node-datachannel/polyfill';

/**
 * node-datachannel's RTCPeerConnection, taking TURN credentials as browsers do. Its polyfill writes
 * them into a `turn:user:pass@host` URL that libdatachannel parses, so a coturn REST username
 * (`<expiry>:<name>`) or a base64 credential (`/`, `+`, `=`) broke it and no relay was allocated;
 * percent-encoded, libdatachannel decodes them back.
 */
export class NodePeerConnection extends DataChannelPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super({ ...configuration, iceServers: configuration.iceServers?.map(encodeCredentials) });
  }
}

function encodeCredentials(server: RTCIceServer): RTCIceServer {
  const { username, credential } = server;
  if (username === undefined || typeof credential !== 'string') return server;
  return { ...server, username: encodeURIComponent(username), credential: encodeURIComponent(credential) };
}
