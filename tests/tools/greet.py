#!/usr/bin/env python3
"""A TCP service that greets, and a client that probes it (network tests).

  greet.py serve ADDR PORT            accept forever, send "220 hello\\r\\n" to each
  greet.py probe ADDR PORT TIMEOUT [SRC]
                                      connect (from SRC if given), read the greeting;
                                      exit 0 greeted, 2 something else, 3 timed out,
                                      4 refused or unreachable
The family (IPv4 or IPv6) follows ADDR.
"""
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def serve(addr, port):
    s = socket.socket(family(addr))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        c.sendall(b"220 hello\r\n")
        c.close()


def probe(addr, port, timeout, src=None):
    try:
        c = socket.socket(family(addr))
        c.settimeout(timeout)
        if src:
            c.bind((src, 0))
        c.connect((addr, port))
        return 0 if c.recv(64).startswith(b"220") else 2
    except socket.timeout:
        return 3
    except OSError:
        return 4


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        serve(sys.argv[2], int(sys.argv[3]))
    sys.exit(probe(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                   sys.argv[5] if len(sys.argv) > 5 else None))
