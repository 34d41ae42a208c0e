#!/bin/sh
# pidns_rebuild.sh: can one user's pid namespace make the server scan /proc
# on every request?
#
# usage: tests/attack/pidns_rebuild.sh [PROCS [RATE]]   (defaults 15000 and 20)
#
# Nobody (uid 65534) makes a user and pid namespace of its own, starts
# PROCS sleeping processes in it, and asks RATE times a second for a pid
# that does not exist there, which the server can only look for among
# every process of every other namespace. Meanwhile root times 500
# 'v1 status' requests 20 ms apart. Prints root's worst, median and p99
# latency and the server's share of a core. Run it as root in a net
# namespace of its own, with PORTPICKER the binary under test:
#   unshare --net sh -c 'ip link set lo up && PORTPICKER=$PWD/portpicker tests/attack/pidns_rebuild.sh'
# Every process it starts is stopped by pid when it ends.
set -eu
HERE=$(dirname "$0")
PORTPICKER=${PORTPICKER:-$HERE/../../portpicker}
PROCS=${1:-15000}
RATE=${2:-20}
ADDR=@pp-attack-pidns-$$
LOG=$(mktemp)
OUT=$(mktemp)
SERVER=
HOSTILE=

cleanup() {
    for pid in $HOSTILE $SERVER; do kill "$pid" 2>/dev/null || true; done
    for pid in $HOSTILE $SERVER; do wait "$pid" 2>/dev/null || true; done
    rm -f "$LOG" "$OUT"
}
trap cleanup EXIT INT TERM

"$PORTPICKER" serve --address "$ADDR" --pool 20000-20999 2>"$LOG" &
SERVER=$!
for _ in $(seq 250); do grep -q "listening on" "$LOG" && break; sleep 0.02; done
grep -q "listening on" "$LOG" || { cat "$LOG" >&2; exit 1; }

# unshare's child (the namespace's pid 1) is the hostile script; it is
# stopped once root is done, and kills its processes by pid.
setpriv --reuid=65534 --regid=65534 --clear-groups \
    unshare --user --pid --fork --mount-proc --kill-child \
    /usr/bin/python3 "$HERE/hostile.py" pidns "$ADDR" "$PROCS" "$RATE" 180 >"$OUT" &
HOSTILE=$!
for _ in $(seq 1800); do grep -q ready "$OUT" && break; sleep 0.1; done
grep -q ready "$OUT" || { echo "the hostile user never got ready" >&2; exit 1; }
sleep 2
echo "$PROCS processes in a pid namespace of uid 65534 asking $RATE times a second for a missing pid:"
/usr/bin/python3 "$HERE/root_timing.py" "$ADDR" "$SERVER" 500 20
