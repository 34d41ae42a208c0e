#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# owners_fds.sh: can one user's owners and idle connections lock others out?
#
# usage: tests/attack/owners_fds.sh [OWNERS [IDLE]]   (defaults 3000 and 50)
#
# The server runs with `ulimit -n 1024` (soft and hard) and a pool of 10,000
# ports (so OWNERS fit in a uid's default quota of half the pool). Nobody
# (uid 65534) leases one port to each of OWNERS sleeping processes of its
# own, then keeps IDLE connections open that send nothing; meanwhile root
# times 200 'v1 status' requests 50 ms apart. Prints root's worst, median
# and p99 latency and the server's share of a core. Run it as root in a net
# namespace of its own, with PORTPICKER the binary under test:
#   unshare --net sh -c 'ip link set lo up && PORTPICKER=$PWD/portpicker tests/attack/owners_fds.sh'
# Every process it starts is stopped by pid when it ends.
set -eu
HERE=$(dirname "$0")
. "$HERE/common.sh"
OWNERS=${1:-3000}
IDLE=${2:-50}

serve prlimit --nofile=1024:1024 -- --pool 20000-29999
# The hostile user holds on for up to 120 s; it is stopped once root is done.
setpriv --reuid=65534 --regid=65534 --clear-groups \
    /usr/bin/python3 "$HERE/hostile.py" owners "$ADDR" "$OWNERS" "$IDLE" 120 >"$OUT" &
HOSTILE=$!
ready 120
sleep 1
echo "$OWNERS owners and $IDLE idle connections of uid 65534, server at ulimit -n 1024:"
echo "server fds: $(ls /proc/$SERVER/fd | wc -l)"
/usr/bin/python3 "$HERE/root_timing.py" "$ADDR" "$SERVER" 200 50
