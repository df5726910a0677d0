"""Runs one py2p 0.7.870 node (from the js2p@0.7.870 npm package) for the interop tests, driven over
stdin/stdout in JSON lines: one command per line in, one answer per line out.

    driver.py <py2p dir> <dialect 870|878> <mesh|sync> <subnet> <Plaintext|SSL> [leasing 0|1]

Values cross as JSON with tags for what JSON lacks: {"$bin": hex} is msgpack bin, {"$float": x}
a float, {"$map": [[k, v], ...]} a map with any keys; everything else is itself.

Dialect 878 is py2p 0.7.878 on the wire: that release differs from 0.7.870 only in that its base58
returns bytes, so its protocol id is bytes: sent as msgpack bin in the handshake and compared as
bytes with the peer's (node id and sender are bin in both). The patch: once the node is built as 0.7.870
(its node id made), its Protocol is swapped for one whose `id` is those bytes. py2p reads
`protocol.id` after construction in exactly two places, both in mesh.py: the handshake it sends and
the check of the peer's handshake.
"""
import collections
import collections.abc
import json
import os
import queue
import socket
import sys
import threading
import traceback

# u-msgpack 2.3 looks for collections.Hashable (gone in Python 3.10); without it py2p drops any
# peer that sends a map.
collections.Hashable = collections.abc.Hashable
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'shims'))
py2p_dir, dialect, kind, subnet, encryption = sys.argv[1:6]
leasing = len(sys.argv) > 6 and sys.argv[6] == '1'
sys.path.insert(0, py2p_dir)

from py2p import base, flags, mesh, sync  # noqa: E402

# py2p is not thread-safe: its daemon thread reads and writes every connection and changes the
# routing table, while calls made from another thread (send, connect, reply) write to the same
# sockets and walk the same tables. Over TLS, two threads then use one SSL object at once (Python
# releases the GIL inside SSL_read and SSL_write; OpenSSL forbids such use), which is what broke SSL
# links now and then ("tlsv1 alert internal error", broadcasts lost); and a command walking the
# routing table while a peer joins failed with "dictionary changed size during iteration". So every
# command runs on py2p's own thread, between two turns of its loop: the loop calls mesh.select once
# a turn (every 10 ms at most), and the replacement below first runs what is queued. A command
# blocks py2p's loop while it runs, as py2p's own handlers do.
commands = queue.Queue()
py2p_select = mesh.select


def select_after_commands(*args):
    while True:
        try:
            command, done = commands.get_nowait()
        except queue.Empty:
            return py2p_select(*args)
        command()
        done.set()


mesh.select = select_after_commands


def on_py2p_thread(work):
    """Runs work() on py2p's daemon thread and returns its answer line."""
    result = {}

    def command():
        try:
            result['line'] = {'ok': work()}
        except Exception as error:
            result['line'] = {'error': '%s: %s' % (type(error).__name__, error), 'trace': traceback.format_exc()}

    done = threading.Event()
    commands.put((command, done))
    done.wait()
    return result['line']



class BinIdProtocol(base.Protocol):
    """py2p 0.7.878's Protocol: the same id, as bytes (base58 1.0 returns bytes)."""
    __slots__ = ()

    @property
    def id(self):
        return base.Protocol.id.fget(self).encode()


def to_json(value):
    if isinstance(value, (bytes, bytearray)):
        return {'$bin': bytes(value).hex()}
    if isinstance(value, float):
        return {'$float': value}
    if isinstance(value, dict):
        return {'$map': [[to_json(k), to_json(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if '$bin' in value:
            return bytes.fromhex(value['$bin'])
        if '$float' in value:
            return float(value['$float'])
        return {from_json(k): from_json(v) for k, v in value['$map']}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


# Answers go to the real stdout; py2p's own prints (debug lines, warnings) go to stderr.
answers = os.fdopen(os.dup(sys.stdout.fileno()), 'w')
sys.stdout = sys.stderr


def answer(line):
    answers.write(json.dumps(line) + '\n')
    answers.flush()


port = free_port()
protocol = base.Protocol(subnet, encryption)
if kind == 'sync':
    node = sync.SyncSocket('127.0.0.1', port, protocol, leasing=leasing)
else:
    node = mesh.MeshSocket('127.0.0.1', port, protocol)
if dialect == '878':
    node.protocol = BinIdProtocol(*node.protocol)
heard = []  # every Message recv() gave us, so that a reply can name one by index


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def state():
    while True:
        msg = node.recv()
        if msg is None:
            break
        heard.append(msg)
    return {
        'peers': [text(k) for k in node.routing_table],
        'awaiting': len(node.awaiting_ids),
        'heard': [{'packets': to_json(m.packets), 'sender': to_json(m.sender), 'time': m.time} for m in heard],
        'status': node.status if isinstance(node.status, str) else [str(s) for s in node.status],
    }


def run(cmd):
    op = cmd['op']
    if op == 'connect':
        return node.connect(cmd['host'], cmd['port'])
    if op == 'send':
        node.send(*from_json(cmd['packets']), flag=cmd.get('flag', flags.broadcast), type=cmd.get('type', flags.broadcast))
        return None
    if op == 'reply':
        state()
        heard[cmd['index']].reply(*from_json(cmd['packets']))
        return None
    if op == 'state':
        return state()
    if op == 'set':
        node[from_json(cmd['key'])] = from_json(cmd['value'])
        return None
    if op == 'del':
        del node[from_json(cmd['key'])]
        return None
    if op == 'delta':
        node.apply_delta(from_json(cmd['key']), from_json(cmd['delta']))
        return None
    if op == 'data':
        return [[to_json(k), to_json(v), to_json(node.metadata[k].owner), node.metadata[k].timestamp] for k, v in node.data.items()]
    if op == 'renegotiate':
        # Then, at once, what py2p's resend does after it renegotiates to []: a message still
        # compressed the old way, since our own list for the peer has not changed yet.
        for conn in node.routing_table.values():
            conn.send(flags.renegotiate, flags.compression, from_json(cmd['methods']))
        if 'then' in cmd:
            node.send(*from_json(cmd['then']))
        return None
    if op == 'compression':
        return [list(conn.compression) for conn in node.routing_table.values()]
    raise ValueError('unknown op %r' % op)


answer({'ready': True, 'id': node.id.decode(), 'port': port})
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['op'] == 'close':
        break
    answer(on_py2p_thread(lambda: run(cmd)))
node.close()
