#!/bin/sh
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
PORTPICKER=${PORTPICKER:-$HERE/../../portpicker}
OWNERS=${1:-3000}
IDLE=${2:-50}
ADDR=@pp-attack-owners-$$
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

prlimit --nofile=1024:1024 "$PORTPICKER" serve --address "$ADDR" \
    --pool 20000-29999 2>"$LOG" &
SERVER=$!
for _ in $(seq 250); do grep -q "listening on" "$LOG" && break; sleep 0.02; done
grep -q "listening on" "$LOG" || { cat "$LOG" >&2; exit 1; }

# The hostile user holds on for up to 120 s; it is stopped once root is done.
setpriv --reuid=65534 --regid=65534 --clear-groups \
    /usr/bin/python3 "$HERE/hostile.py" owners "$ADDR" "$OWNERS" "$IDLE" 120 >"$OUT" &
HOSTILE=$!
for _ in $(seq 1200); do grep -q ready "$OUT" && break; sleep 0.1; done
grep -q ready "$OUT" || { echo "the hostile user never got ready" >&2; exit 1; }
sleep 1
echo "$OWNERS owners and $IDLE idle connections of uid 65534, server at ulimit -n 1024:"
echo "server fds: $(ls /proc/$SERVER/fd | wc -l)"
/usr/bin/python3 "$HERE/root_timing.py" "$ADDR" "$SERVER" 200 50
