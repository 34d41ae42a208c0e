#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hold a real socket on a port for the tests, print "ready", then wait.

usage: sockets.py KIND PORT [SECONDS]

KIND is one of:
  tcp4-listen-lo   TCP listener on 127.0.0.1
  tcp6-listen-lo   TCP listener on ::1
  tcp4-listen      TCP listener on 0.0.0.0
  tcp6-listen      TCP listener on :: (IPv6 only)
  tcp-bound-reuse  TCP socket on 0.0.0.0 with SO_REUSEADDR, bound, not listening
  tcp-bound        TCP socket on 0.0.0.0, bound, not listening
  udp4             UDP socket on 0.0.0.0
  udp6             UDP socket on :: (IPv6 only)
  udp4-reuse       UDP socket on 0.0.0.0 with SO_REUSEADDR
  time-wait        make a TIME_WAIT entry on 127.0.0.1:PORT, then exit
  tcp4-client      a TCP connection to 127.0.0.1:PORT (from an ephemeral
                   port), held open
  tcp4-syn-drop    TCP listener on 127.0.0.1 whose accept queue is full
                   (listen(0), clients held): a new SYN gets no answer
  consumer         bind 0.0.0.0:PORT with SO_REUSEADDR and listen (a server
                   that takes over a held port); prints "ready" or the error
  consumer-plain   the same without SO_REUSEADDR
It exits after SECONDS (default 30), or when killed."""
import select
import socket
import sys
import time


def make(kind, port):
    v6 = "6" in kind.split("-")[0]
    family = socket.AF_INET6 if v6 else socket.AF_INET
    stype = socket.SOCK_DGRAM if kind.startswith("udp") else socket.SOCK_STREAM
    s = socket.socket(family, stype)
    if kind == "tcp4-client":
        s.connect(("127.0.0.1", port))
        return s
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if "reuse" in kind or kind == "consumer":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    host = {"tcp4-listen-lo": "127.0.0.1", "tcp6-listen-lo": "::1"}.get(
        kind, "::" if v6 else "0.0.0.0")
    s.bind((host, port))
    if "listen" in kind or kind.startswith("consumer"):
        s.listen(8)
    return s


def time_wait(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()  # the side that closes first keeps TIME_WAIT on PORT
    time.sleep(0.05)
    client.close()
    server.close()


def syn_drop(port):
    """The listener, and the clients that fill its accept queue: connects
    until one hangs, its SYN dropped."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(0)
    clients = []
    for _ in range(16):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        clients.append(c)
        if not select.select([], [c], [], 0.2)[1]:
            return [listener] + clients
    raise OSError(0, "every connect was answered: no SYN dropped")


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30
    if kind == "time-wait":
        time_wait(port)
        print("ready", flush=True)
        return
    try:
        s = syn_drop(port) if kind == "tcp4-syn-drop" else make(kind, port)
    except OSError as e:
        print("error: %s" % e.strerror, flush=True)
        sys.exit(1)
    print("ready", flush=True)
    time.sleep(seconds)
    for each in s if isinstance(s, list) else [s]:
        each.close()


main()
