#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A port server that misbehaves on purpose, for the client's error paths.

usage: fake_server.py ADDRESS MODE [ARG]

ADDRESS is @name (abstract) or a path. Each connection reads one request
(up to a newline), appends it to $FAKE_LOG if set, then, by MODE:
  reply TEXT   write TEXT (with \\n escapes) and close
  file PATH    write the bytes of PATH exactly, and close
  close        close without writing (a refusal, or a legacy server)
  hang         never answer
  legacy       answer a bare pid with "20000\\n", close on anything else
Prints "ready" once listening; exits when killed."""
import os
import socket
import sys
import threading
import time


def read_request(conn):
    data = b""
    conn.settimeout(5)
    try:
        while b"\n" not in data and len(data) < 4096:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    log = os.environ.get("FAKE_LOG")
    if log:
        with open(log, "ab") as f:
            f.write(data)
    return data


def serve(conn, mode, arg):
    request = read_request(conn)
    if mode == "reply":
        conn.sendall(arg.encode().decode("unicode_escape").encode("latin-1"))
    elif mode == "file":
        with open(arg, "rb") as f:
            conn.sendall(f.read())
    elif mode == "hang":
        time.sleep(3600)
    elif mode == "legacy" and request.strip().isdigit():
        conn.sendall(b"20000\n")
    conn.close()


def main():
    address, mode = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind("\0" + address[1:] if address.startswith("@") else address)
    sock.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn, mode, arg), daemon=True).start()


main()
