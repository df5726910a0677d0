/**
 * Just enough DER (ITU-T X.690) to write one X.509 certificate: tag-length-value with definite
 * lengths. Node's crypto makes keys and signatures but no certificates, and the openssl CLI is not
 * assumed to exist.
 */

const TAG = {
  integer: 0x02,
  bitString: 0x03,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** UTCTime covers 1950..2049; later dates must be GeneralizedTime (RFC 5280 §4.1.2.5). */
const LAST_UTC_TIME_YEAR = 2049;

export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(contents);
  return Buffer.concat([Uint8Array.of(tag), encodeLength(body.byteLength), body]);
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(TAG.sequence, ...items);
export const set = (...items: Uint8Array[]): Uint8Array => tlv(TAG.set, ...items);
export const utf8String = (text: string): Uint8Array => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
/** A bit string of whole bytes (no unused bits), as signatures are. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(TAG.bitString, Uint8Array.of(0), bytes);
/** Context-specific, constructed, explicit tag `[n]`. */
export const explicit = (n: number, item: Uint8Array): Uint8Array => tlv(0xa0 | n, item);

/** A non-negative integer from its big-endian bytes: a leading zero keeps it positive. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(TAG.integer, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Uint8Array.of(0), trimmed]) : trimmed);
}

/** An object identifier from its dotted form, e.g. '2.5.4.3'. */
export function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(TAG.oid, Uint8Array.from(bytes));
}

/** A certificate validity time, in the form RFC 5280 requires for its year. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // YYYYMMDDHHMMSSZ
  return date.getUTCFullYear() <= LAST_UTC_TIME_YEAR
    ? tlv(TAG.utcTime, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(TAG.generalizedTime, Buffer.from(digits, 'ascii'));
}
