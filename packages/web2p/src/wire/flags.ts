/**
 * The flag values of PROTOCOL.md §3. Main flags are `packets[0]` (how a message travels); sub-flags
 * are the first payload item (what it means). Values 0x00–0x2F are reserved for the protocol.
 */
export const flags = Object.freeze({
  // main flags and the sub-flags that share their values
  broadcast: 0x00,
  renegotiate: 0x01,
  whisper: 0x02,
  ping: 0x03,
  pong: 0x04,
  // sub-flags
  compression: 0x01,
  handshake: 0x05,
  notify: 0x06,
  peers: 0x07,
  request: 0x08,
  resend: 0x09,
  response: 0x0a,
  store: 0x0b,
  retrieve: 0x0c,
  retrieved: 0x0d,
  forward: 0x0e,
  new_paths: 0x0f,
  revoke_paths: 0x10,
  delta: 0x11,
  // compression methods (§1.3)
  bz2: 0x10,
  gzip: 0x11,
  lzma: 0x12,
  zlib: 0x13,
  snappy: 0x20,
});

/** Every value below this is reserved for the protocol (py2p's `tuple(range(0x30))`). */
export const FIRST_APPLICATION_FLAG = 0x30;
