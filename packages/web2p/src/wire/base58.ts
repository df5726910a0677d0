/**
 * base58 of integers (PROTOCOL.md §2.5): the Bitcoin alphabet, most significant digit first, zero is
 * "1", no leading-zero-byte rule. bs58 encodes byte strings, so integers go through their minimal
 * big-endian bytes, for which the two agree.
 */
import bs58 from 'bs58';

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function bigIntToBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(1);
  const hex = value.toString(16);
  const padded = hex.length % 2 ? '0' + hex : hex;
  const out = new Uint8Array(padded.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The non-negative integer `value` in base58 (Bitcoin's alphabet), as py2p writes ids and times. */
export function toBase58(value: number | bigint): string {
  const n = BigInt(value);
  if (n < 0n) throw new RangeError(`base58 encodes non-negative integers, not ${n}`);
  return bs58.encode(bigIntToBytes(n));
}

/** The base58 text of a big-endian unsigned integer given as bytes (a digest). */
export function bytesToBase58(bytes: Uint8Array): string {
  return toBase58(bytesToBigInt(bytes));
}

/** Throws RangeError on a character outside the alphabet. */
export function fromBase58(text: string): bigint {
  if (text.length === 0) throw new RangeError('an empty string is not base58');
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(text);
  } catch {
    throw new RangeError(`${JSON.stringify(text.slice(0, 80))} is not base58`);
  }
  return bytesToBigInt(bytes);
}

/** Whether `text` uses only base58 characters. */
export function isBase58(text: string): boolean {
  return text.length > 0 && /^[1-9A-HJ-NP-Za-km-z]+$/.test(text);
}
