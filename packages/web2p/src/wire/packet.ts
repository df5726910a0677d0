/** Any msgpack value a message can carry. Strings stay strings, bytes stay bytes. */
export type Packet =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | Packet[]
  | { [key: string]: Packet };

/**
 * What can be sent: a Packet, or bytes in any ArrayBuffer or ArrayBufferView (a Float32Array, a
 * DataView…), which go out as their bytes and arrive as a Uint8Array.
 */
export type OutgoingPacket =
  | Packet
  | ArrayBuffer
  | ArrayBufferView
  | OutgoingPacket[]
  | { [key: string]: OutgoingPacket };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The UTF-8 bytes of `text` (keys given as strings are these bytes). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Lenient UTF-8 decoding, for text we only display or compare (ids sent as msgpack bin). */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The bytes a hex string (either case) spells, or undefined when it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[\da-f]*$/i.test(text)) return undefined;
  return Uint8Array.from({ length: text.length / 2 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
}

/** One array holding `parts` one after another. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
