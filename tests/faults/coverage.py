# SPDX-License-Identifier: Apache-2.0
"""coverage.py: gcov counts of the faulted servers, for `make coverage`.

A fault injected into a gcov build may land in gcov's own dump at exit (a
failed read of the counts it merges with, a write cut short), and a gcda
file it then rewrites holds that one process's counts: what every earlier
process added is lost. So with FAULTS_GCOV=DIR set, each faulted server
dumps into a tree of its own (GCOV_PREFIX), merged into DIR afterwards by
gcov-tool, one merge at a time; a tree the fault spoiled is skipped. The
servers without a fault dump beside the objects, as usual."""

import os
import shutil
import subprocess
import threading

ACC = os.environ.get("FAULTS_GCOV")
LOCK = threading.Lock()
skipped = 0


def env(tmp):
    """The environment a faulted server gets: its own gcov tree, if any."""
    return {"GCOV_PREFIX": os.path.join(tmp, "gcov")} if ACC else {}


def collect(tmp, binary):
    """Merge the faulted server's counts (its gcov tree in TMP) into ACC."""
    global skipped
    if not ACC:
        return
    tree = os.path.join(tmp, "gcov") + os.path.dirname(os.path.abspath(binary))
    if not os.path.isdir(tree):
        return   # killed: no counts
    with LOCK:
        if not os.path.isdir(ACC) or not os.listdir(ACC):
            shutil.copytree(tree, ACC, dirs_exist_ok=True)
            return
        new = ACC + ".new"
        shutil.rmtree(new, ignore_errors=True)
        if subprocess.run(["gcov-tool", "merge", tree, ACC, "-o", new],
                          capture_output=True).returncode != 0:
            skipped += 1
            shutil.rmtree(new, ignore_errors=True)
            return
        shutil.rmtree(ACC)
        os.rename(new, ACC)
