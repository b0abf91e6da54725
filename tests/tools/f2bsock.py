"""fail2ban's control-socket protocol for the tests and benchmarks.

A request is a pickle ended by <F2B_END_COMMAND>; the answer is a pickled
(code, result) ended the same way.  Answers holding fail2ban's exceptions
unpickle when fail2ban's package is on sys.path.
"""
import pickle
import socket

END = b"<F2B_END_COMMAND>"


def talk(path, payload, timeout=None):
    """Sends payload (request bytes, END added) on a new connection and
    returns the unpickled answer."""
    s = socket.socket(socket.AF_UNIX)
    try:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(payload + END)
        buf = b""
        while not buf.endswith(END):
            d = s.recv(65536)
            if not d:
                break
            buf += d
    finally:
        s.close()
    return pickle.loads(buf[:-len(END)])


def ask(path, cmd, protocol=2, timeout=None):
    """The answer to cmd (a list of words), pickled with protocol."""
    return talk(path, pickle.dumps(cmd, protocol), timeout)
