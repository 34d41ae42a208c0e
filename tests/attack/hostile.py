#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""hostile.py: the hostile user of the attacks in tests/attack/ (run it as
that user, e.g. under setpriv). Every process it starts is its child and
is killed by pid when it ends (after SECONDS, or on SIGTERM).

usage: hostile.py owners ADDR OWNERS IDLE SECONDS
       hostile.py pidns ADDR PROCS RATE SECONDS

owners: start OWNERS sleeping processes, lease one port to each (one
request each), then keep IDLE connections open that send nothing, opening
a new one whenever the server closes one. Prints "ready" once the leases
are in and the connections open.
pidns: start PROCS sleeping processes (run it inside a pid namespace of
its own), then ask RATE times a second for a pid that does not exist in
it, which the server can only look for among every process. Prints
"ready" once the processes run.
"""
import ctypes
import os
import select
import signal
import socket
import sys
import time

CHILDREN = []
PARENT = os.getpid()
PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(None)


def connect(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect("\0" + addr[1:] if addr.startswith("@") else addr)
    return s


def ask(addr, line):
    s = connect(addr)
    try:
        s.sendall(line.encode())
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                return out.decode(errors="replace")
            out += b
    finally:
        s.close()


def sleepers(n):
    # A forked child blocked in pause() costs a few pages: 15,000 fit.
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            # Should this parent be killed before it kills us: die with it.
            LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != PARENT:
                os._exit(0)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            while True:
                signal.pause()
        CHILDREN.append(pid)


def kill_children():
    for pid in CHILDREN:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in CHILDREN:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    CHILDREN.clear()


def owners(addr, n, idle, secs):
    sleepers(n)
    for pid in CHILDREN:
        r = ask(addr, "v1 pick %d 1\n" % pid)
        if not r.startswith("ok "):
            sys.exit("hostile: lease for pid %d refused: %s" % (pid, r.strip()))
    held = [connect(addr) for _ in range(idle)]
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        readable, _, _ = select.select(held, [], [], 0.05)
        for s in readable:
            # The server closed it (idle timeout or cap): open another.
            held.remove(s)
            s.close()
            try:
                held.append(connect(addr))
            except OSError:
                pass


def pidns(addr, n, rate, secs):
    sleepers(n)
    print("ready", flush=True)
    missing = 4194305  # above the largest pid_max (2^22): never a process
    end = time.monotonic() + secs
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            ask(addr, "v1 pick %d 1\n" % missing)
        except OSError:
            pass
        time.sleep(max(0.0, 1.0 / rate - (time.monotonic() - t)))


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    kind, addr = argv[1], argv[2]
    a, b, secs = int(argv[3]), int(argv[4]), float(argv[5])
    try:
        (owners if kind == "owners" else pidns)(addr, a, b, secs)
    finally:
        kill_children()


if __name__ == "__main__":
    main(sys.argv)
