/**
 * A self-signed certificate for the TLS listener ('SSL' encryption), made with node:crypto at
 * start-up as py2p does with `cryptography`. Peers never verify it (py2p and js2p connect with
 * verification off): it buys encryption, not authentication. EC P-256 keeps start-up instant,
 * where js2p spends a second or two on RSA.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import { CERT_BACKDATE_MS, CERT_COMMON_NAME, CERT_SERIAL_BYTES, CERT_VALID_YEARS } from './constants.js';
import { bitString, explicit, oid, sequence, set, time, unsignedInteger, utf8String } from './der.js';

/** PEM key and certificate, as `tls.createServer` takes them (and as users may pass their own). */
export interface TlsCredentials {
  key: string;
  cert: string;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
/** X.509 v3 is written as 2. */
const VERSION_3 = 2;

export function selfSignedCertificate(clock: Clock, random: Random): TlsCredentials {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = clock.now();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERT_VALID_YEARS);
  const serial = random.bytes(CERT_SERIAL_BYTES);
  serial[0]! &= 0x7f;
  const signatureAlgorithm = sequence(oid(ECDSA_WITH_SHA256));
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8String(CERT_COMMON_NAME))));
  const tbs = sequence(
    explicit(0, unsignedInteger(Uint8Array.of(VERSION_3))),
    unsignedInteger(serial),
    signatureAlgorithm,
    name,
    sequence(time(new Date(now - CERT_BACKDATE_MS)), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const certificate = sequence(tbs, signatureAlgorithm, bitString(sign('sha256', tbs, privateKey)));
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: pem('CERTIFICATE', certificate) };
}

function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
