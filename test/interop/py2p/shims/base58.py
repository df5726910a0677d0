"""base58 0.2's API (encoders return `str`), which py2p 0.7.870 was written against, over Debian's
base58 1.0 (encoders return `bytes`). Loaded ahead of the real module by putting this folder first
on sys.path; the real one is loaded from Debian's dist-packages by path."""
import importlib.util
import os

_path = os.path.join('/usr/lib/python3/dist-packages', 'base58.py')
_spec = importlib.util.spec_from_file_location('_debian_base58', _path)
_real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_real)

alphabet = _real.alphabet.decode() if isinstance(_real.alphabet, bytes) else _real.alphabet


def b58encode(v):
    return _real.b58encode(v).decode()


def b58encode_int(i, default_one=True):
    return _real.b58encode_int(i, default_one).decode()


b58decode = _real.b58decode
b58decode_int = _real.b58decode_int
