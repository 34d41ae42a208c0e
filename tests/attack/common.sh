# SPDX-License-Identifier: Apache-2.0
# common.sh: sourced by the attack scripts of tests/attack/ (set -eu, HERE
# set). Starts the server, waits for the hostile user, and stops both by
# pid on exit.
PORTPICKER=${PORTPICKER:-$HERE/../../portpicker}
ADDR=@pp-attack-$$
LOG=$(mktemp)
OUT=$(mktemp)
SERVER=
HOSTILE=

# unshare --fork ignores SIGTERM: what is left after 2 s gets SIGKILL (for
# unshare --kill-child, that takes its namespace's every process with it).
cleanup() {
    for pid in $HOSTILE $SERVER; do kill "$pid" 2>/dev/null || true; done
    for pid in $HOSTILE $SERVER; do
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -f "$LOG" "$OUT"
}
trap cleanup EXIT INT TERM

# serve [WRAPPER...] -- [OPTIONS...]: the server on ADDR, in SERVER, once
# it listens.
serve() {
    wrap=
    while [ "$1" != -- ]; do wrap="$wrap $1"; shift; done
    shift
    $wrap "$PORTPICKER" serve --address "$ADDR" "$@" 2>"$LOG" &
    SERVER=$!
    for _ in $(seq 250); do grep -q "listening on" "$LOG" && break; sleep 0.02; done
    grep -q "listening on" "$LOG" || { cat "$LOG" >&2; exit 1; }
}

# ready SECONDS: wait for the hostile user (HOSTILE, writing to OUT) to say
# "ready".
ready() {
    for _ in $(seq $(($1 * 10))); do grep -q ready "$OUT" && return; sleep 0.1; done
    echo "the hostile user never got ready" >&2
    exit 1
}
