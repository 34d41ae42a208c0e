# SPDX-License-Identifier: Apache-2.0
"""workload.py: one run of the fault sweep: a port server driven through a
fixed workload, with at most one fault injected by strace, then restarted
without one on the same --state file.

A run has three servers, one after the other, on one --state file:
  seed     no fault: leases for live owners and a release, then SIGKILL,
           so the next server restores a journal of records, not a
           rewritten file (the start-up path, under the fault);
  faulted  under strace with the one fault: restores, then grants,
           releases, an owner's death, enough pick+release pairs that the
           sync timer compacts the journal, a `v1 leases` listing, SIGTERM;
  restart  no fault, on the same file: `v1 leases` and `check --leases`.
What each listing must show is check.py's; this file only records what the
server acknowledged. Everything is bounded by timeouts, and every process
a run starts is stopped by pid."""

import os
import signal
import socket
import subprocess
import time

OWNERS = 4               # live owners, alive through the whole run
SEED_PICKS = 6           # leases the seed server grants (and journals)
PICKS = 20               # leases the faulted server grants, round robin
VICTIM_PICKS = 3         # leases of the owner that is killed
RELEASES = 5             # of the PICKS, released early
PAIRS = 40               # pick+release pairs: records enough for compaction
POOL_SIZE = 200          # more than every pick of a run: no port is reused
REPLY_S = 4.0            # a request not answered in this long is lost
START_S = 20.0           # a server not listening by then did not start
STOP_S = 8.0             # a server not gone this long after SIGTERM hangs
COMPACT_S = 3.0          # the sync timer compacts within a second; slack


class Owner:
    """A live process to own leases: `sleep`, stopped by pid."""

    def __init__(self):
        self.proc = subprocess.Popen(["sleep", "600"])
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()


def request(address, line, timeout=REPLY_S, resets=None):
    """Send one v1 request, return the reply's lines, or None when the
    server did not answer (refused connection, reset, timeout). A reset
    after a whole reply is None too (a client reading to EOF fails), and
    is said in RESETS, a list, when given: the server must close cleanly."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    data = b""
    try:
        s.connect("\0" + address[1:] if address.startswith("@") else address)
        s.sendall(line.encode() + b"\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        else:
            return None
    except ConnectionResetError:
        if resets is not None and data.endswith(b"\n"):
            resets.append("%s: %r, then a reset" % (line, data))
        return None
    except OSError:
        return None
    finally:
        s.close()
    if not data.endswith(b"\n"):
        return None
    return data.decode("utf-8", "replace").split("\n")[:-1]


class Server:
    """`portpicker serve` on ADDRESS, POOL and STATE, under PREFIX (strace,
    or nothing), logging to LOG."""

    def __init__(self, binary, address, pool, state, log, prefix=(), extra=(), env=None):
        self.address, self.log = address, log
        self.traced = bool(prefix)
        self.pidfile = extra[extra.index("--pidfile") + 1] if "--pidfile" in extra else None
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(
                list(prefix) + [binary, "serve", "--address", address,
                                "--pool", pool, "--state", state] + list(extra),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err, env=dict(os.environ, **(env or {})))

    def pidfile_written(self):
        try:
            with open(self.pidfile) as f:
                return f.read().endswith("\n")
        except (OSError, TypeError):
            return False

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_listening(self):
        """True once it listens (it says so, or wrote its pidfile: the log
        line may be what the fault failed); False if it exited or did not
        in time."""
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            if "listening on" in self.log_text() or self.pidfile_written():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    def alive(self):
        """Running? Under strace, the server itself (strace outlives a
        killed server for a moment). Only once it has started."""
        if self.proc.poll() is not None:
            return False
        if not self.traced:
            return True
        try:
            with open("/proc/%d/stat" % self.pid()) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, TypeError):
            return False   # reaped: strace is about to exit

    def settle(self, seconds=3.0):
        """After a request that failed: give a server that is stopping (a
        tracee stopped at its exit for strace, on a loaded machine) time
        to be gone, so that alive() says so."""
        try:
            self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            pass

    def pid(self):
        """The server's pid: under strace, strace's child (strace itself
        would take SIGTERM as its own and detach)."""
        if not self.traced:
            return self.proc.pid
        try:
            with open("/proc/%d/task/%d/children" % ((self.proc.pid,) * 2)) as f:
                children = f.read().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def stop(self, sig=signal.SIGTERM):
        """Send SIG and wait: the exit code (negative: a signal), or None if
        it hung (then it is killed)."""
        pid = self.pid() if self.alive() else None
        if pid is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            return self.proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        """SIGKILL the server, then strace (a tracee outlives its tracer)."""
        pid = self.pid() if self.proc.poll() is None else None
        if pid is not None and pid != self.proc.pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Ledger:
    """What the server acknowledged. Every pick of a run has a NAME of its
    own, so a lease is known by (port, name) even when a port is granted
    again (a restart refills the free queue in port order): HELD maps port
    -> (owner pid, name) of leases granted and not released, RELEASED holds
    the (port, name) of leases the server said it released."""

    def __init__(self):
        self.held = {}
        self.released = set()
        self.refusals = []
        self.resets = []  # whole replies followed by a reset
        self.regrants = []  # (port, (pid, name) held, (pid, name) granted)
        self.lost = 0    # requests without an answer: their outcome is unknown

    def pick(self, server, owner, name):
        reply = request(server.address, "v1 pick %d 1 %s" % (owner.pid, name),
                        resets=self.resets)
        if reply is None:
            self.lost += 1
            return None
        words = reply[0].split() if reply else []
        if len(reply) == 1 and len(words) == 2 and words[0] == "ok":
            port = int(words[1])
            # A port granted while the ledger holds it for another lease:
            # the server lost that one (check.regrants judges it).
            if port in self.held:
                self.regrants.append((port, self.held[port], (owner.pid, name)))
            self.held[port] = (owner.pid, name)
            return port
        self.refusals.append(reply[0] if reply else "")
        return None

    def release(self, server, port):
        reply = request(server.address, "v1 release %d" % port,
                        resets=self.resets)
        if reply is None:
            self.lost += 1
            self.held.pop(port, None)   # released or not: unknown
            return
        if reply == ["ok"]:
            self.released.add((port, self.held.pop(port)[1]))
        else:
            self.refusals.append(reply[0] if reply else "")


def seed(binary, address, pool, state, log, owners, ledger):
    """The seed server: leases for the live owners and one release, then
    SIGKILL, leaving a journal of records for the next start to restore.
    False if it did not come up (the run is void, not a violation)."""
    srv = Server(binary, address, pool, state, log)
    try:
        if not srv.wait_listening():
            return False
        ports = [ledger.pick(srv, owners[i % len(owners)], "seed%d" % i)
                 for i in range(SEED_PICKS)]
        if None in ports:
            return False
        ledger.release(srv, ports[0])
        return ports[0] not in ledger.held
    finally:
        srv.kill()


def journal_id(state):
    """The state file's inode: a compaction renames a new file in place."""
    try:
        return os.stat(state).st_ino
    except OSError:
        return None


def drive(srv, owners, victim, ledger, state):
    """The faulted server's workload; stops early once the server is gone.
    Returns the listings it got ((lines or None for no answer, whether the
    server was still up after it)), and whether the journal was compacted
    meanwhile."""
    listings, ours = [], []
    started = journal_id(state)
    steps = []
    for i in range(PICKS):
        steps.append(lambda i=i: ours.append(
            ledger.pick(srv, owners[i % len(owners)], "w%d" % i)))
    for i in range(VICTIM_PICKS):
        steps.append(lambda i=i: ledger.pick(srv, victim, "v%d" % i))
    steps.append(lambda: releases(srv, ledger, ours))
    steps.append(victim.kill)
    for i in range(PAIRS):
        steps.append(lambda i=i: pair(srv, owners[0], ledger, i))
    for step in steps:
        if not srv.alive():
            return listings, False
        step()
    before = journal_id(state)
    deadline = time.monotonic() + COMPACT_S
    while srv.alive() and time.monotonic() < deadline:
        if journal_id(state) != before:
            break
        time.sleep(0.02)
    # One retry: the fault may hit the listing itself. Each listing comes
    # with whether the server outlived it: one killed while listing sends
    # fewer lines than it announced, which the protocol allows.
    # A listing cut short (fewer lines than announced: the server dropped
    # a client it could not write to) or refused (`err server-error`: the
    # fault hit this connection) is asked again too.
    for _ in range(2):
        reply = request(srv.address, "v1 leases")
        if reply and reply[0].startswith("ok ") and not cut(reply):
            break
        srv.settle()
    listings.append((reply, srv.alive()))
    return listings, journal_id(state) != started


def cut(reply):
    """Fewer lease lines than `ok COUNT` announced? (The protocol allows it
    for leases that end meanwhile, which none do once the workload is
    over.)"""
    words = reply[0].split() if reply else []
    return len(words) == 2 and words[1].isdigit() and len(reply) - 1 < int(words[1])


def releases(srv, ledger, ours):
    """Release RELEASES of the ports granted to the live owners."""
    for port in [p for p in ours if p is not None][-RELEASES:]:
        ledger.release(srv, port)


def pair(srv, owner, ledger, i):
    port = ledger.pick(srv, owner, "p%d" % i)
    if port is not None:
        ledger.release(srv, port)


def leases_applet(binary, address):
    """`check --leases` against ADDRESS: (exit code, stdout lines)."""
    try:
        p = subprocess.run([binary, "check", "--leases", "--json", "-s", address],
                           capture_output=True, timeout=STOP_S)
    except subprocess.TimeoutExpired:
        return None, []
    return p.returncode, p.stdout.decode("utf-8", "replace").splitlines()
