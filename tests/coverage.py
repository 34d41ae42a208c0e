#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""coverage.py OBJDIR DIR...: line and branch coverage of the sources in
each DIR (serve, lib), from the gcov notes and counts `make coverage` left
in OBJDIR. Prints, per file and in total, lines and branches executed, then
every unexecuted line as FILE:LINES (ranges). gcov alone: its JSON output
(gcc >= 9), no gcovr or lcov needed.

A line or branch in a header counts once, summed over the objects that
include it."""

import collections
import gzip
import json
import os
import subprocess
import sys


def gcov_json(note):
    """gcov's JSON for one object's notes file (counts read beside it; a
    file never run counts as all zero)."""
    out = subprocess.run(["gcov", "--json-format", "--stdout", "--branch-probabilities",
                          "--object-directory", os.path.dirname(note), note],
                         capture_output=True, check=True).stdout
    if out[:2] == b"\x1f\x8b":
        out = gzip.decompress(out)
    # One JSON document per line (one per object).
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def collect(objdir, dirs):
    """{file: {line: [count, [branch counts]]}} for sources under DIRS."""
    lines = collections.defaultdict(dict)
    for root, _, files in os.walk(objdir):
        for f in files:
            if not f.endswith(".gcno"):
                continue
            for doc in gcov_json(os.path.join(root, f)):
                for src in doc["files"]:
                    name = os.path.normpath(src["file"])
                    if name.split(os.sep)[0] not in dirs:
                        continue
                    for l in src["lines"]:
                        entry = lines[name].setdefault(l["line_number"], [0, []])
                        entry[0] += l["count"]
                        counts = [b["count"] for b in l.get("branches", [])]
                        if not entry[1]:
                            entry[1] = counts
                        elif len(counts) == len(entry[1]):
                            entry[1] = [a + b for a, b in zip(entry[1], counts)]
    return lines


def ranges(numbers):
    out, start, prev = [], None, None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append((start, prev))
            start = prev = n
    if start is not None:
        out.append((start, prev))
    return ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in out)


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    objdir, dirs = sys.argv[1], set(sys.argv[2:])
    data = collect(objdir, dirs)
    rows, missing = [], []
    tl = te = tb = tt = 0
    for name in sorted(data):
        lines = data[name]
        execd = sum(1 for c, _ in lines.values() if c > 0)
        branches = sum(len(b) for _, b in lines.values())
        taken = sum(1 for _, b in lines.values() for x in b if x > 0)
        rows.append("%-24s %5d/%-5d %6.1f%%   %5d/%-5d %6.1f%%" % (
            name, execd, len(lines), pct(execd, len(lines)),
            taken, branches, pct(taken, branches)))
        unrun = [n for n, (c, _) in lines.items() if c == 0]
        if unrun:
            missing.append("%s:%s" % (name, ranges(unrun)))
        tl, te, tb, tt = tl + len(lines), te + execd, tb + branches, tt + taken
    print("%-24s %-11s %7s   %-11s %7s" % ("file", "lines", "", "branches", ""))
    print("\n".join(rows))
    print("total %-18s %5d/%-5d %6.1f%%   %5d/%-5d %6.1f%%" % (
        " ".join(sorted(dirs)), te, tl, pct(te, tl), tt, tb, pct(tt, tb)))
    print("\nunexecuted lines:")
    print("\n".join(missing))


if __name__ == "__main__":
    main()
