#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Talk to a port server the raw way, for the tests.

usage: serve_client.py ADDR [--delay S] [--keep-open] [--wait S] [--repr]
                       [--time] PIECE...

Connects to ADDR (@NAME abstract, or a path), sends each PIECE (with Python
escapes: '1234\\n', '\\x00\\xff'), sleeping --delay seconds between pieces,
then half-closes (unless --keep-open) and prints whatever the server sent
back, up to EOF or --wait seconds (default 10): nothing on refusal,
"<reset>" after a connection reset, as Python's repr() with --repr. --time adds "elapsed SECONDS" on stderr."""
import codecs
import socket
import sys
import time


def main(argv):
    addr, args = argv[1], argv[2:]
    delay, keep_open, wait, as_repr, timed = 0.0, False, 10.0, False, False
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--delay":
            delay = float(args.pop(0))
        elif opt == "--keep-open":
            keep_open = True
        elif opt == "--repr":
            as_repr = True
        elif opt == "--time":
            timed = True
        elif opt == "--wait":
            wait = float(args.pop(0))
        else:
            sys.exit("unknown option " + opt)
    start = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(wait)
    s.connect("\0" + addr[1:] if addr.startswith("@") else addr)
    for i, piece in enumerate(args):
        if i and delay:
            time.sleep(delay)
        s.sendall(codecs.escape_decode(piece.encode())[0])
    if not keep_open:
        s.shutdown(socket.SHUT_WR)
    reply = b""
    try:
        while True:
            chunk = s.recv(1024)
            if not chunk:
                break
            reply += chunk
    except socket.timeout:
        reply += b"<timeout>"
    except ConnectionResetError:
        reply += b"<reset>"
    sys.stdout.write(repr(reply) if as_repr else reply.decode("latin-1"))
    if timed:
        sys.stderr.write("elapsed %.3f\n" % (time.monotonic() - start))


main(sys.argv)
