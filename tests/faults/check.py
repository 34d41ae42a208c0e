# SPDX-License-Identifier: Apache-2.0
"""check.py: what a run of the fault sweep must show, whatever the fault.

The server's one promise: no port goes to two live owners and no live
owner loses its port. So, after any single failed system call, and after a
kill at any point:
  - the server neither crashed (a signal we did not send) nor hung;
  - one that stopped exited with a code `serve --help` documents and said
    why on an `error:` line; one we did not stop went on answering;
  - every lease it acknowledged to a live owner, and not released, is in
    `v1 leases` while it runs and after a fault-free restart, with that pid
    (and its name, or none: a server out of memory at start keeps the
    lease without its name, and warns);
  - no port is listed twice, and the listing is whole (COUNT lines);
  - a lease it said was released is never listed again (each pick has a
    name of its own, so a port granted anew is told from one come back);
  - no port is granted while a live owner's lease of it is held;
  - no lease belongs to a pid that is not a live owner of the run;
  - no refusal claims the pool is exhausted (it never is here).
Each function returns a list of violations, one line each."""

import json
import re
import subprocess


def documented_exits(binary):
    """The exit codes `serve --help` lists, under its "Exit codes" heading."""
    text = subprocess.run([binary, "serve", "--help"], capture_output=True,
                          text=True).stdout
    tail = text[text.index("\nExit codes"):]
    return {int(c) for c in re.findall(r"^ +(\d+)  ", tail, re.M)}


def parse_listing(lines):
    """`v1 leases` lines -> ({port: (pid, names)}, violations)."""
    if lines is None:
        return {}, ["no answer to `v1 leases` (asked twice)"]
    if not lines or not re.fullmatch(r"ok \d+", lines[0]):
        return {}, ["`v1 leases` answered %r" % (lines[:1],)]
    found, bad = {}, []
    count = int(lines[0].split()[1])
    if len(lines) - 1 > count:
        bad.append("`v1 leases` announced %d leases and sent %d" % (count, len(lines) - 1))
    for line in lines[1:]:
        m = re.match(r"port=(\d+) pid=(\d+) uid=\d+ age=\d+ names=(\S+) ", line)
        if not m:
            bad.append("`v1 leases` line not in the protocol: %r" % line)
            continue
        port, pid = int(m.group(1)), int(m.group(2))
        if port in found:
            bad.append("port %d listed twice (pids %d and %d)" % (port, found[port][0], pid))
        found[port] = (pid, m.group(3))
    return found, bad


def applet_listing(rc, out):
    """`check --leases --json` -> ({port: (pid, names)}, violations)."""
    if rc != 0:
        return {}, ["`check --leases --json` exited %s" % rc]
    try:
        rows = json.loads("\n".join(out))
    except ValueError as e:
        return {}, ["`check --leases --json` printed invalid JSON: %s" % e]
    found, bad = {}, []
    for row in rows:
        if row["port"] in found:
            bad.append("port %d listed twice by check --leases" % row["port"])
        found[row["port"]] = (row["pid"], ",".join(row["names"]) or "-")
    return found, bad


def leases(found, ledger, live, when, whole=True, dying=()):
    """The listing FOUND against what LEDGER acknowledged; LIVE: pids of the
    run's owners alive now. WHEN says which listing, for the message. A
    listing that is not WHOLE (the server died while sending it) may lack
    leases. DYING: owners dead so lately that a server polling them (each
    second) may not know it yet."""
    bad = []
    for port, (pid, name) in sorted(ledger.held.items()):
        if pid in live and found.get(port) not in ((pid, name), (pid, "-")) and (
                whole or port in found):
            bad.append("%s: lease of port %d to live pid %d (%s) %s" % (
                when, port, pid, name, "missing" if port not in found
                else "listed as pid %d (%s)" % found[port]))
    for port, name in sorted(ledger.released):
        if found.get(port, (0, ""))[1] == name:
            bad.append("%s: released port %d (%s) came back (pid %d)" % (
                when, port, name, found[port][0]))
    for port, (pid, name) in sorted(found.items()):
        if pid not in live and pid not in dying:
            bad.append("%s: port %d (%s) leased to pid %d, not a live owner" % (
                when, port, name, pid))
    return bad


def regrants(ledger, live):
    """A port granted again while an acknowledged lease of it was held by an
    owner still alive at the end: the server lost a live owner's lease and
    gave its port to another (a lease dropped at restore, then granted)."""
    return ["port %d granted to pid %d (%s) while leased to live pid %d (%s)"
            % (port, new[0], new[1], old[0], old[1])
            for port, old, new in ledger.regrants if old[0] in live]


def refusals(ledger):
    return ["refused with %r while the pool had free ports" % r
            for r in ledger.refusals if r.startswith("err exhausted")]


def resets(ledger):
    """A reply sent whole must end in a close: a client that reads to EOF
    fails on a reset, its ports leased to it all the same."""
    return ["a reset after a whole reply: %s" % r for r in ledger.resets]


def stopped(rc, signalled, log, exits, crash):
    """A server's end. RC: its exit code (negative: killed by that signal;
    None: it hung past SIGTERM). SIGNALLED: we sent SIGTERM while it ran.
    CRASH: a SIGKILL was injected, so -9 is expected."""
    if rc is None:
        return ["hung: still running %s after SIGTERM" % "several seconds"]
    if rc < 0:
        if crash and rc == -9:
            return []
        return ["crashed: killed by signal %d" % -rc]
    if rc == 0:
        return [] if signalled else ["exited 0 before it was stopped"]
    bad = []
    if rc not in exits:
        bad.append("exited %d, not a documented code (%s)" % (
            rc, ", ".join(map(str, sorted(exits)))))
    errors = [l for l in log.splitlines() if ": error: " in l]
    if not errors:
        bad.append("exited %d without an error line" % rc)
    return bad
