export { flags, FIRST_APPLICATION_FLAG } from './flags.js';
export type { OutgoingPacket, Packet } from './packet.js';
export { utf8, fromUtf8, bytesEqual, toHex, concatBytes } from './packet.js';
export { encode as encodeMsgpack, decode as decodeMsgpack } from './msgpack.js';
export { toBase58, fromBase58, bytesToBase58, isBase58 } from './base58.js';
export { Protocol, PROTOCOL_VERSION } from './protocol.js';
export {
  SUPPORTED_COMPRESSION,
  compress,
  decompress,
  decompressBody,
  chooseCompression,
  intersectCompression,
} from './compression.js';
export { loadCompression } from './compression-loader.js';
export { WireMessage, createMessage, parseBody } from './message.js';
export { encodeFrame, frameOf, decodeFrame, decodeBody, FrameReader } from './frame.js';
export { makeNodeId, isValidNodeId, nodeIdValue } from './node-id.js';
export { DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, ID_BYTES } from './constants.js';
