// The attacks of bench:abuse (issue 16), each a hostile peer over raw TCP against the victim. Each
// runs until `until` passes, reconnecting when the victim drops it (a dropped attacker that comes
// back is the worst case), and counts what it did.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { deflateSync } from 'node:zlib';
import { encodeMsgpack, flags, makeNodeId } from '../../packages/web2p/dist/wire/index.js';

const MiB = 1024 * 1024;
const now = () => Math.floor(Date.now() / 1000);

/** A frame around msgpack `body`, its id first; zlib-compressed when `zlib`. */
function frame(body, zlib = false) {
  const plain = Buffer.concat([createHash('sha256').update(body).digest(), body]);
  const data = zlib ? deflateSync(plain, { level: 9 }) : plain;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length);
  return Buffer.concat([header, data]);
}

const packets = (sender, type, payload, time = now()) => encodeMsgpack([type, sender, time, ...payload]);

/** One raw connection: handshake sent; `closed` resolves when the victim hangs up. */
function raw(victim, { compression = [], read = true } = {}) {
  return new Promise((resolve, reject) => {
    const id = makeNodeId(randomBytes(32), 'abuse');
    const socket = connect({ host: '127.0.0.1', port: victim.port }, () => {
      socket.write(frame(packets(id, flags.whisper, [flags.handshake, id, victim.protocolId, ['127.0.0.1', 1], compression])));
      resolve(conn);
    });
    const conn = { id, socket, closed: new Promise((done) => socket.once('close', done)), received: 0 };
    socket.on('data', (bytes) => (conn.received += bytes.length));
    socket.on('error', () => {});
    socket.once('error', reject);
    if (!read) socket.pause();
  });
}

/** Writes `make()` frames, in batches, while the socket takes them, until `until` or the victim hangs up. */
async function pump(conn, until, make, batch = 256) {
  let sent = 0;
  let open = true;
  void conn.closed.then(() => (open = false));
  // at least one batch, however late: under load the attack may start after its own deadline
  while (open && (sent === 0 || Date.now() < until)) {
    const frames = [];
    for (let i = 0; i < batch; i++) frames.push(make(sent++));
    if (!conn.socket.write(batch === 1 ? frames[0] : Buffer.concat(frames))) {
      await Promise.race([new Promise((r) => conn.socket.once('drain', r)), conn.closed]);
    }
  }
  return sent;
}

/** Runs `attack(conn)` on fresh connections until `until`; counts connections and how many the victim cut. */
async function repeat(victim, until, options, attack) {
  const stats = { connections: 0, cut: 0, sent: 0 };
  do {
    let conn;
    try {
      conn = await raw(victim, options);
    } catch {
      await new Promise((r) => setTimeout(r, 50)); // refused at the door: try again shortly
      continue;
    }
    stats.connections++;
    stats.sent += await attack(conn);
    const cut = await Promise.race([conn.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), Math.max(0, until - Date.now())))]);
    if (cut) stats.cut++;
    conn.socket.destroy();
  } while (Date.now() < until);
  return stats;
}

/**
 * Unique broadcasts per second of flood, built before the attack (see PREPARE) so it runs at wire
 * speed: more than the fastest flood here got through (67,000/s in a 0.5 s attack, 52,000/s over
 * 5 s); past them it sends them again.
 */
const FLOOD_FRAMES_PER_SECOND = 80_000;
/** At most this many (~26 MiB, 1.3 s to build here) for however long an attack. */
const MAX_FLOOD_FRAMES = 200_000;
const floods = new Map();

/**
 * Builds the frames of a flood of `seconds`, dated `ahead` seconds from now, from a new sender.
 * Built again before every run of the attack: a soak's later rounds would otherwise send ids seen
 * already or, past the seen window, dated in the past, which the victim refuses cheaply: a lighter
 * attack than the first round's.
 */
function buildFlood(ahead, seconds) {
  const sender = makeNodeId(randomBytes(32), 'abuse');
  const time = now() + ahead;
  const count = Math.min(MAX_FLOOD_FRAMES, Math.ceil(seconds * FLOOD_FRAMES_PER_SECOND));
  floods.set(ahead, Array.from({ length: count }, (_, i) => frame(packets(sender, flags.broadcast, [flags.broadcast, 'flood', i], time))));
}

/** Floods unique broadcasts dated `ahead` seconds in the future (built by PREPARE), from reconnecting peers. */
function flood(victim, until, ahead) {
  const frames = floods.get(ahead);
  return repeat(victim, until, {}, (conn) => pump(conn, until, (i) => frames[i % frames.length]));
}

let bomb;

/** About 16 KiB of zlib inflating to 16 MiB (1,000:1), built once. */
function bombFrame() {
  bomb ??= frame(packets(makeNodeId(randomBytes(32), 'abuse'), flags.broadcast, [flags.broadcast, 'bomb', Buffer.alloc(16 * MiB - 1024)]), true);
  return bomb;
}

/** What an attack of `seconds` builds before it starts, so that building is not counted as attacking. */
export const PREPARE = {
  'broadcast-flood': (seconds) => buildFlood(0, seconds),
  'future-dated': (seconds) => buildFlood(599, seconds),
  'compression-bomb': bombFrame,
};

/** 16 MiB of empty maps in one broadcast: ~1 GiB of heap when decoded without a bound. */
function emptyMapsFrame(id) {
  const count = 16 * MiB - 256;
  const head = packets(id, flags.broadcast, ['flood']);
  const body = Buffer.alloc(5 + head.length - 1 + count, 0x80);
  body[0] = 0xdd;
  body.writeUInt32BE(4 + count, 1);
  head.subarray(1).forEach((byte, i) => (body[5 + i] = byte));
  return frame(body);
}

export const ATTACKS = {
  'empty-maps': (victim, until) =>
    repeat(victim, until, {}, async (conn) => {
      conn.socket.write(emptyMapsFrame(conn.id));
      return 1;
    }),
  'broadcast-flood': (victim, until) => flood(victim, until, 0),
  'future-dated': (victim, until) => flood(victim, until, 599),
  'compression-bomb': (victim, until) => repeat(victim, until, { compression: [flags.zlib] }, (conn) => pump(conn, until, bombFrame, 1)),
  'slow-reader': async (victim, until) => {
    // one connection that never reads while the victim broadcasts 64 MiB (1,000 × 64 KiB); the
    // victim needs some seconds to send that much, so this may wait for the cut past `until`
    const conn = await raw(victim, { read: false });
    await new Promise((r) => setTimeout(r, 300)); // its handshake in first
    // (a soak's victim may have cut slow readers before: count from now)
    const cuts = () => victim.stats.dropped['PeerLimitError:send-queue'] ?? 0;
    const before = cuts();
    victim.send({ type: 'flood', count: 1000 });
    // a socket that does not read does not see the victim hang up either: ask the victim
    const deadline = Math.max(until, Date.now()) + 20_000;
    while (cuts() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cut = cuts() > before ? 1 : 0;
    conn.socket.destroy();
    return { connections: 1, cut, sent: 0 };
  },
  'stale-sync': (victim, until) =>
    repeat(victim, until, {}, (conn) =>
      pump(conn, until, (i) => frame(packets(conn.id, flags.whisper, [flags.store, Buffer.from('big'), `stale ${i}`, conn.id, now() - 1000])))),
  'resend-debt': (victim, until) =>
    repeat(victim, until, {}, async (conn) => {
      victim.send({ type: 'send', packets: ['large', randomBytes(MiB)] }); // the last thing it sends this peer
      await new Promise((r) => setTimeout(r, 200));
      return pump(conn, until, () => frame(packets(conn.id, flags.renegotiate, [flags.resend])));
    }),
  'parked-half-frames': async (victim, until) => {
    // 16 connections, each a nearly complete 16 MiB frame, then a byte every 2 s
    const conns = [];
    for (let i = 0; i < 16; i++) {
      try {
        const conn = await raw(victim);
        const header = Buffer.alloc(4);
        header.writeUInt32BE(16 * MiB);
        conn.socket.write(header);
        conn.socket.write(Buffer.alloc(16 * MiB - 1024));
        conns.push(conn);
      } catch {
        // refused at the door
      }
    }
    const drip = setInterval(() => conns.forEach((c) => c.socket.write(Buffer.alloc(1))), 2000);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
    clearInterval(drip);
    const cut = conns.filter((c) => c.socket.destroyed || c.socket.readableEnded).length;
    conns.forEach((c) => c.socket.destroy());
    return { connections: conns.length, cut, sent: conns.length };
  },
};
