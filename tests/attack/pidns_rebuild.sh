#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# pidns_rebuild.sh: can one user's pid namespace make the server scan /proc
# on every request?
#
# usage: tests/attack/pidns_rebuild.sh [PROCS [RATE [SETTLE]]]
#        (defaults 15000, 20 and 10)
#
# Nobody (uid 65534) makes a user and pid namespace of its own, starts
# PROCS sleeping processes in it, and asks RATE times a second for a pid
# that does not exist there, which the server can only look for among
# every process of every other namespace. Once SETTLE seconds have passed
# (default 10: the server's first pass reads each of the new processes
# once; give 0 to measure it too), root times 500 'v1 status' requests
# 20 ms apart. Prints root's worst, median and p99 latency and the server's
# share of a core meanwhile. Run it as root in a net
# namespace of its own, with PORTPICKER the binary under test:
#   unshare --net sh -c 'ip link set lo up && PORTPICKER=$PWD/portpicker tests/attack/pidns_rebuild.sh'
# Every process it starts is stopped by pid when it ends.
set -eu
HERE=$(dirname "$0")
. "$HERE/common.sh"
PROCS=${1:-15000}
RATE=${2:-20}
SETTLE=${3:-10}

serve -- --pool 20000-20999
# unshare's child (the namespace's pid 1) is the hostile script, stopped
# once root is done (--kill-child); it kills its processes by pid.
setpriv --reuid=65534 --regid=65534 --clear-groups \
    unshare --user --pid --fork --mount-proc --kill-child \
    /usr/bin/python3 "$HERE/hostile.py" pidns "$ADDR" "$PROCS" "$RATE" 600 >"$OUT" &
HOSTILE=$!
ready 600
sleep "$SETTLE"
echo "$PROCS processes in a pid namespace of uid 65534 asking $RATE times a second for a missing pid:"
/usr/bin/python3 "$HERE/root_timing.py" "$ADDR" "$SERVER" 500 20
