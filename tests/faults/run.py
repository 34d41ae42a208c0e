# SPDX-License-Identifier: Apache-2.0
"""run.py: one run of the sweep (workload.py's servers, check.py's
checks), with a fault, or without one to count a system call's
occurrences (a profile run)."""

import collections
import os
import re
import shutil
import tempfile

import check
import coverage
import workload


class Run:
    """One run: FAULT is a list of (syscall, errno, n) for
    `error=errno:when=n` and (syscall, "SIGKILL", n) for a kill, injected
    together. A profile run has no fault: PROFILE is (syscall, kill) and the
    run counts that syscall's calls (COUNTS) under the strace a fault of
    that kind runs under, since what strace stops at changes the timing,
    and so how often the server reads a socket that has nothing yet. SLOT
    picks the pool, so that runs side by side never probe each other's
    ports."""

    def __init__(self, binary, exits, fault, slot, serial, profile=None):
        self.binary, self.exits = binary, exits
        self.fault = fault or []
        self.calls = [profile[0]] if profile else sorted({f[0] for f in self.fault})
        self.kill_mode = profile[1] if profile else any(f[1] == "SIGKILL" for f in self.fault)
        self.profile = profile
        base = 20000 + 1000 * slot
        self.pool = "%d-%d" % (base, base + workload.POOL_SIZE - 1)
        self.address = "@pp-faults-%d-%d" % (os.getpid(), serial)
        self.violations = []
        self.injected = False
        self.void = False
        self.compacted = False
        self.counts, self.journal_writes = collections.Counter(), []

    def strace(self, trace):
        cmd = ["strace", "-f", "-qq", "-o", trace]
        # --seccomp-bpf makes strace skip the other calls (a run is faster),
        # but strace 6.1 then never delivers an injected signal.
        if not self.kill_mode:
            cmd.append("--seccomp-bpf")
        cmd += ["-e", "trace=" + ",".join(self.calls)]
        for sys, what, n in self.fault:
            action = "signal=SIGKILL" if what == "SIGKILL" else "error=" + what
            cmd += ["-e", "inject=%s:%s:when=%d" % (sys, action, n)]
        return cmd

    def run(self):
        tmp = tempfile.mkdtemp(prefix="pp-faults-")
        owners = [workload.Owner() for _ in range(workload.OWNERS)]
        victim = workload.Owner()
        try:
            self.go(tmp, owners, victim)
            self.violations = [v.replace(tmp, "$RUNDIR") for v in self.violations]
        finally:
            for o in owners + [victim]:
                o.kill()
            self.keep = tmp if self.violations else None
            if not self.keep and not os.environ.get("FAULTS_KEEP_ALL"):
                shutil.rmtree(tmp, ignore_errors=True)
        return self

    def go(self, tmp, owners, victim):
        state, trace = os.path.join(tmp, "leases"), os.path.join(tmp, "strace")
        ledger = workload.Ledger()
        if not workload.seed(self.binary, self.address, self.pool, state,
                             os.path.join(tmp, "seed.log"), owners, ledger):
            self.void = True
            self.violations.append("the seed server (no fault) did not grant and release")
            return
        everyone = owners + [victim]
        crash = self.kill_mode and not self.profile
        # A socket path and a pidfile: their unlink at stop is swept too.
        srv = workload.Server(self.binary, os.path.join(tmp, "sock"), self.pool,
                              state, os.path.join(tmp, "faulted.log"),
                              self.strace(trace),
                              ["--pidfile", os.path.join(tmp, "pid")],
                              coverage.env(tmp))
        signalled = False
        if srv.wait_listening():
            listings, self.compacted = workload.drive(srv, owners, victim, ledger, state)
            signalled = srv.alive()
            # A listing missed because the server stopped is stopped()'s
            # to judge; one missed by a server still up is a violation.
            for lines, outlived in listings:
                if lines is None and not signalled:
                    continue
                found, bad = check.parse_listing(lines)
                self.violations += bad + check.leases(
                    found, ledger, alive(everyone), "running", whole=outlived,
                    dying={victim.pid})
        rc = srv.stop()
        coverage.collect(tmp, self.binary)
        text = read(trace)
        self.injected = bool(self.fault) and (
            text.count("INJECTED") + text.count("+++ killed by SIGKILL")
            == len(self.fault))
        self.violations += check.refusals(ledger) + check.resets(ledger)
        self.violations += check.regrants(ledger, alive(everyone))
        self.violations += check.stopped(rc, signalled, srv.log_text(),
                                         self.exits, crash)
        self.restart(tmp, state, ledger, alive(everyone))
        if self.profile:
            self.counts, self.journal_writes = count_calls(text)

    def restart(self, tmp, state, ledger, live):
        srv = workload.Server(self.binary, self.address, self.pool, state,
                              os.path.join(tmp, "restart.log"))
        if not srv.wait_listening():
            rc = srv.stop()
            self.violations.append("the fault-free restart did not start (exit %s): %s"
                                   % (rc, last_line(srv.log_text())))
            return
        found, bad = check.parse_listing(workload.request(srv.address, "v1 leases"))
        self.violations += bad + check.leases(found, ledger, live, "after restart")
        found, bad = check.applet_listing(*workload.leases_applet(self.binary, srv.address))
        self.violations += bad + check.leases(found, ledger, live, "check --leases after restart")
        rc = srv.stop()
        self.violations += ["restart: " + v for v in
                            check.stopped(rc, True, srv.log_text(), self.exits, False)]


def alive(owners):
    return {o.pid for o in owners if o.alive()}


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no log)"


CALL = re.compile(r"^(\d+ +)?([a-z_0-9]+)\(")
RECORD = re.compile(r'write\(\d+, "\d+ [0-9a-f]{8} [GR] ')


def count_calls(trace):
    """strace -f output -> ({syscall: occurrences}, [n of each write of a
    journal record]). A call split across `<unfinished ...>` and
    `<... resumed>` counts once."""
    counts = collections.Counter()
    records = []
    for line in trace.splitlines():
        m = CALL.match(line)
        if m:
            counts[m.group(2)] += 1
            if m.group(2) == "write" and RECORD.search(line):
                records.append(counts["write"])
    return counts, records
