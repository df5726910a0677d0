/** Limits and defaults of the Node transports (TCP, TLS, WebSocket). */

/**
 * After a local close, how long a socket may take to flush and hear the peer's end before it is
 * destroyed. The link reported its close at once; this only bounds how long the socket lingers.
 */
export const CLOSE_LINGER_MS = 2_000;

/** Where a transport listens unless told: loopback only, on a free port. 0.0.0.0 opens it to the LAN. */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 0 } as const;

/** What a listener on 0.0.0.0 advertises when the machine has no non-internal IPv4 address. */
export const LAN_FALLBACK_HOST = '127.0.0.1';

/** The self-signed certificate's validity starts a day back, so peers with a slow clock accept it (as py2p). */
export const CERT_BACKDATE_MS = 24 * 60 * 60 * 1000;
/** …and lasts ten years, as py2p's. Nobody verifies it: TLS here is encryption without authentication. */
export const CERT_VALID_YEARS = 10;
/** The certificate's subject and issuer common name. */
export const CERT_COMMON_NAME = 'web2p';
/** Serial numbers are random, positive, and this long (RFC 5280 allows up to 20 bytes). */
export const CERT_SERIAL_BYTES = 16;

/** Where `persist: true` keeps a Node node's stores: relative to the working directory, like a project's own files. */
export const DEFAULT_PERSIST_DIR = '.web2p';

/**
 * The longest directory name one namespace's store gets. Filesystems cap a name at 255 bytes; a
 * longer namespace (a long socket `name`) keeps its readable start and ends in a hash of the whole.
 */
export const MAX_STORE_DIR_NAME = 200;
