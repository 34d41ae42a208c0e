#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sweep.py: the fault sweep and the crash sweep of `portpicker serve`
(`make test-faults`; HACKING.md, "The fault sweep").

Fault-free profile runs count how often the workload (workload.py) makes
each system call, one run per call under the strace its faults will run
under (what strace stops at changes the timing, and so the counts). Then each (syscall, fault) pair of PLAN below runs the
workload once per chosen occurrence N, under
`strace -f -e inject=SYSCALL:error=ERRNO:when=N` (a fault sweep) or
`inject=SYSCALL:signal=SIGKILL:when=N` (the crash sweep), and check.py
judges the run. Output is TAP, one line per pair, each violation under its
pair as `# SYSCALL ERRNO when=N: what broke`; then a summary. Exits 1 on any
violation.

Usage: sweep.py [--binary PATH] [--jobs N] [--only SYSCALL,...] [--list]
                [--keep DIR]"""

import argparse
import concurrent.futures
import os
import queue
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import coverage  # noqa: E402
import run  # noqa: E402

EVERY = None   # every occurrence the profile counted
SAMPLES = 10   # else this many, first, last and evenly between
MARGIN = 8     # for EVERY, go past the profile's count by count/MARGIN + 3
SHOWN = 4      # violations printed per run (the logs keep the rest)

# (syscall, faults, occurrences). A fault is an errno, or SIGKILL (the
# crash sweep). Every file-system call, and poll, read, recvfrom and openat,
# at every occurrence; the frequent socket calls sampled. ftruncate only runs after
# a failed journal write (the cut back), so it is swept behind one: see
# COMPOUND.
PLAN = [
    ("openat", ["EMFILE", "EACCES", "ENOENT", "SIGKILL"], EVERY),
    ("open", ["EMFILE", "EACCES", "ENOENT", "SIGKILL"], EVERY),   # musl's fopen, opendir
    ("read", ["EIO", "EINTR"], EVERY),
    # A request is peeked, then taken after its reply (serve/client.c):
    # every take, whose failure must not reset a client after its reply.
    ("recvfrom", ["EIO", "EINTR"], EVERY),
    ("write", ["ENOSPC", "EIO", "SIGKILL"], EVERY),
    ("fsync", ["EIO", "ENOSPC", "SIGKILL"], EVERY),
    ("fdatasync", ["EIO", "SIGKILL"], EVERY),
    ("rename", ["EIO", "ENOSPC", "SIGKILL"], EVERY),
    ("unlink", ["EIO", "EACCES", "SIGKILL"], EVERY),
    ("flock", ["ENOLCK", "EINTR", "SIGKILL"], EVERY),
    ("fstat", ["EIO", "EOVERFLOW"], EVERY),
    ("stat", ["EIO", "EACCES"], EVERY),
    ("lstat", ["EIO", "EACCES", "ENOENT"], EVERY),  # ENOENT: the state file gone
    ("getdents64", ["EIO"], EVERY),
    ("poll", ["EINTR", "ENOMEM"], EVERY),
    # No failure Linux gives a valid fd, but the branches are ours.
    ("fcntl", ["EBADF"], EVERY),
    ("pidfd_open", ["EMFILE", "ENOSYS"], EVERY),
    # PIDFD_GET_INFO: a kernel without it, a process it cannot see, and
    # failures that are no answer.
    ("ioctl", ["ENOTTY", "ESRCH", "ENOMEM", "EFAULT"], EVERY),
    ("prlimit64", ["EPERM"], EVERY),
    ("epoll_create1", ["EMFILE", "ENOMEM"], EVERY),
    ("signalfd4", ["EMFILE", "ENOMEM"], EVERY),
    ("epoll_ctl", ["ENOMEM", "ENOSPC"], EVERY),
    ("mmap", ["ENOMEM"], EVERY),
    ("accept4", ["EMFILE", "ENFILE", "ECONNABORTED", "ENOBUFS"], SAMPLES),
    ("socket", ["EMFILE", "ENOBUFS"], SAMPLES),
    ("bind", ["EADDRINUSE", "EACCES"], SAMPLES),
    ("setsockopt", ["ENOMEM"], SAMPLES),
    ("listen", ["EADDRINUSE"], SAMPLES),
    ("getsockopt", ["ENOBUFS"], SAMPLES),
    ("sendto", ["EPIPE", "EAGAIN", "ECONNRESET", "ENOBUFS"], SAMPLES),
    ("sendmsg", ["EPIPE"], SAMPLES),
    ("shutdown", ["ENOTCONN"], SAMPLES),
    ("epoll_pwait", ["EINTR", "ENOMEM"], SAMPLES),
    ("epoll_wait", ["EINTR"], SAMPLES),
]
# Left out, because strace cannot make the failure realistic:
#   close       strace skips the call, so the fd stays open; Linux frees the
#               fd even when close reports an error.
#   brk         musl's malloc takes a failed brk as "use mmap", and mmap
#               (swept above) is where memory really runs out.
#   munmap, rt_sigaction, rt_sigprocmask, getpid, clock_gettime (vDSO):
#               fail only on arguments the code never passes, or cannot fail.
#   execve, arch_prctl, set_tid_address: the C runtime's start, before main.
COMPOUND = [
    # The cut back after a failed journal write: fail one journal write
    # (the Kth; the profile finds which writes are the journal's), then
    # the ftruncate that follows.
    ("ftruncate", ["EIO", "SIGKILL"]),
]


def occurrences(count, how):
    """The Ns to inject at, for a call the profile saw COUNT times. A run's
    count varies with timing (a read that finds nothing yet: read's varied
    from 128 to 168), so EVERY goes past it: the last calls, at stop,
    matter most."""
    if not count:
        return []
    if how is EVERY:
        return list(range(1, count + count // MARGIN + 3 + 1))
    if count <= SAMPLES:
        return list(range(1, count + 1))
    step = (count - 1) / (SAMPLES - 1)
    return sorted({1 + round(i * step) for i in range(SAMPLES)})


def selected(only):
    """PLAN and COMPOUND rows for the syscalls ONLY names (all if empty)."""
    return ([r for r in PLAN if not only or r[0] in only],
            [r for r in COMPOUND if not only or r[0] in only])


def profiles_needed(plan, compound):
    """The (syscall, kill) profiles the plan needs: each call is counted
    under the strace its faults run under."""
    need = {(sys_, a == "SIGKILL") for sys_, actions, _ in plan for a in actions}
    if compound:
        need.add(("write", False))   # which writes are the journal's
    return sorted(need)


def faults(plan, compound, counts, journal_writes):
    """[(label, syscall, [fault...], every)] in plan order; a fault is a
    list of (syscall, action, n) injected together; EVERY: the pair goes
    on while its last N still hits. COUNTS: (syscall, kill) -> the
    profile's count."""
    pairs = []
    for sys_, actions, how in plan:
        for action in actions:
            ns = occurrences(counts.get((sys_, action == "SIGKILL"), 0), how)
            pairs.append(("%s %s" % (sys_, action), sys_, [[(sys_, action, n)] for n in ns],
                          how is EVERY))
    writes = occurrences(len(journal_writes), SAMPLES)
    for sys_, actions in compound:
        for action in actions:
            runs = [[("write", "ENOSPC", journal_writes[i - 1]), (sys_, action, 1)]
                    for i in writes]
            pairs.append(("%s %s (after a failed journal write)" % (sys_, action), sys_, runs,
                          False))
    return pairs


def describe(fault):
    return " + ".join("%s %s when=%d" % f for f in fault)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--binary", default=os.path.join(here, "..", "..", "portpicker"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated syscalls")
    ap.add_argument("--list", action="store_true", help="print the plan, run nothing")
    ap.add_argument("--keep", default=os.path.join(here, "..", "..", "build", "faults"),
                    help="where the logs of runs with violations are kept")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    exits = check.documented_exits(binary)
    began = time.monotonic()

    slots = queue.Queue()
    for i in range(args.jobs):
        slots.put(i + 1)

    def one(serial, fault, profile=None):
        slot = slots.get()
        try:
            return run.Run(binary, exits, fault, slot, serial, profile).run()
        finally:
            slots.put(slot)

    plan, compound = selected(set(filter(None, args.only.split(","))))
    needed = profiles_needed(plan, compound)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        profiles = list(ex.map(lambda ip: one(100000 + ip[0], None, ip[1]), enumerate(needed)))
    counts = {p: r.counts[p[0]] for p, r in zip(needed, profiles)}
    journal_writes = next((r.journal_writes for p, r in zip(needed, profiles)
                           if p == ("write", False)), [])
    pairs = faults(plan, compound, counts, journal_writes)
    total = sum(len(p[2]) for p in pairs)
    if args.list:
        for label, _, runs, _ in pairs:
            print("%-50s %4d runs" % (label, len(runs)))
        print("%d runs" % total)
        return 0
    print("1..%d" % (len(pairs) + 1))
    bad = ["%s%s profile: %s" % (p[0], " (kill)" if p[1] else "", v)
           for p, r in zip(needed, profiles)
           for v in r.violations + ([] if r.compacted else ["the journal was not compacted"])]
    print("%s 1 - the workload without a fault keeps every promise and compacts the journal "
          "(%d profile runs)" % ("not ok" if bad else "ok", len(profiles)))
    for v in bad:
        print("# " + v)
    sys.stdout.flush()

    shutil.rmtree(args.keep, ignore_errors=True)
    results = [[None] * len(p[2]) for p in pairs]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = {}

        def submit(i, j):
            fut = ex.submit(one, len(futs) + 1, pairs[i][2][j])
            futs[fut] = (i, j)
            return fut

        for i, pair in enumerate(pairs):
            for j in range(len(pair[2])):
                submit(i, j)
        shown = 0
        pending = set(futs)
        while pending:
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                i, j = futs[fut]
                results[i][j] = fut.result()
                if more(pairs[i], j, results[i][j]):
                    for k in range(len(results[i]), len(pairs[i][2])):
                        results[i].append(None)
                        pending.add(submit(i, k))
            while shown < len(pairs) and None not in results[shown]:
                report(shown + 2, pairs[shown], results[shown], args.keep)
                shown += 1
    return summary(pairs, results, bad, time.monotonic() - began)


def more(pair, j, result):
    """If run J, the last of an EVERY pair, still hit: the count was low
    (it varies with timing), so add the next Ns to the pair. True if so."""
    label, _, runs, every = pair
    if not every or j != len(runs) - 1 or not result.injected:
        return False
    sys_, action, n = runs[-1][0]
    runs.extend([[(sys_, action, m)] for m in range(n + 1, n + 1 + max(3, n // MARGIN))])
    return True


def report(number, pair, results, keep):
    label, _, runs, _ = pair
    bad = [(f, r) for f, r in zip(runs, results) if r.violations]
    hit = sum(r.injected for r in results)
    if not runs:
        print("ok %d - %s # skip the workload makes no %s call" % (number, label, pair[1]))
    elif bad:
        print("not ok %d - %s: %d of %d runs broke a promise" % (number, label, len(bad), len(runs)))
    else:
        print("ok %d - %s: %d runs (%d faults hit), no violation" % (number, label, len(runs), hit))
    for fault, r in bad:
        seen = {}
        for v in r.violations:
            seen[v] = seen.get(v, 0) + 1
        for v, times in list(seen.items())[:SHOWN]:
            print("# %s: %s%s" % (describe(fault), v, " (%d times)" % times if times > 1 else ""))
        if len(seen) > SHOWN:
            print("#   ... and %d more" % (len(seen) - SHOWN))
        if r.keep:
            dest = os.path.join(keep, describe(fault).replace(" ", "_").replace("+", ""))
            os.makedirs(keep, exist_ok=True)
            shutil.move(r.keep, dest)
            print("#   logs: %s" % os.path.relpath(dest))
    sys.stdout.flush()


def summary(pairs, results, profile_bad, seconds):
    runs = sum(len(r) for r in results)
    hit = sum(x.injected for r in results for x in r)
    broken = sum(bool(x.violations) for r in results for x in r)
    covered = sorted({p[1] for p, res in zip(pairs, results) if any(x.injected for x in res)})
    never = sorted({p[1] for p in pairs} - set(covered))
    print("# summary: %d runs over %d syscall/fault pairs, %d faults hit; "
          "%d syscalls covered: %s" % (runs, len(pairs), hit, len(covered), " ".join(covered)))
    if never:
        print("# not reached by the workload: %s" % " ".join(never))
    print("# violations: %d runs broke a promise; %.0f s" % (broken, seconds))
    if coverage.ACC:
        print("# gcov: counts of %d faulted runs spoiled by their fault, left out" % coverage.skipped)
    classes = {}
    for (label, _, runs, _), res in zip(pairs, results):
        for fault, x in zip(runs, res):
            for v in x.violations:
                key = re.sub(r"\d+", "N", v)
                classes.setdefault(key, [0, describe(fault)])[0] += 1
    for key, (times, first) in sorted(classes.items(), key=lambda kv: -kv[1][0]):
        print("#   %5d x %s (first: %s)" % (times, key, first))
    return 1 if broken or profile_bad else 0


if __name__ == "__main__":
    sys.exit(main())
