# helpers.bash: shared by every .bats file. `load helpers` at the top.
#
# PORTPICKER is the binary under test (make test sets it; make asan points it
# at the sanitizer build). Every process a test starts is recorded with
# track_pid and stopped by pid in teardown.

bats_require_minimum_version 1.5.0

PORTPICKER=${PORTPICKER:-$BATS_TEST_DIRNAME/../portpicker}
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
TRACKED_PIDS=()

pp() { "$PORTPICKER" "$@"; }

track_pid() { TRACKED_PIDS+=("$1"); }

stop_tracked() {
    local pid
    for pid in "${TRACKED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${TRACKED_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
        kill -9 "$pid" 2>/dev/null || true
    done
    TRACKED_PIDS=()
}

# hold_socket KIND PORT [SECONDS]: run tests/sockets.py in the background and
# return once its socket is in place; fails the test if it could not bind.
hold_socket() {
    local out="$BATS_TEST_TMPDIR/socket.$RANDOM"
    "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" "$@" >"$out" 2>&1 &
    track_pid $!
    for _ in $(seq 200); do
        grep -q . "$out" 2>/dev/null && break
        sleep 0.02
    done
    if ! grep -qx ready "$out"; then
        echo "sockets.py $*: $(cat "$out")" >&2
        return 1
    fi
}

# fake MODE [ARG]: start tests/fake_server.py (a server that answers what
# it is told, see there) on $ADDR.
fake() {
    local out=$BATS_TEST_TMPDIR/fake.out
    # emptied first: a "ready" left by an earlier fake must not pass for
    # this one's
    : >"$out"
    "$PYTHON" "$BATS_TEST_DIRNAME/fake_server.py" "$ADDR" "$@" >>"$out" 2>&1 &
    track_pid $!
    for _ in $(seq 200); do grep -q ready "$out" 2>/dev/null && return; sleep 0.02; done
    echo "fake server did not start: $(cat "$out")" >&2
    return 1
}

# answers FORMAT [ARG...]: a fake server on $ADDR that answers every
# request with the bytes printf FORMAT ARG... writes.
answers() {
    printf "$@" >"$BATS_TEST_TMPDIR/reply"
    fake file "$BATS_TEST_TMPDIR/reply"
}

# visible: stdin is valid UTF-8 with no control character but newlines.
visible() {
    "$PYTHON" -c '
import sys
text = sys.stdin.buffer.read().decode("utf-8")
bad = [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0)]
assert not bad, bad'
}

# The same hostile text where a server puts words for people.
TERMINAL_ESCAPES='\033]0;pwned\007\033[2J'

# A port free right now, from the binary under test.
free_port() { pp pick "$@"; }

has_ipv6() {
    [ -e /proc/net/if_inet6 ] && grep -q . /proc/net/if_inet6 &&
        [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" != 1 ]
}

need_ipv6() { has_ipv6 || skip "this host has no IPv6 (no ::1 on lo)"; }

# Does the message end with strerror(EMFILE)? glibc and musl word it apart.
ends_with_emfile() {
    [[ "$1" == *"Too many open files" || "$1" == *"No file descriptors available" ]]
}

# Every test stops what it started, also on failure.
teardown() { stop_tracked; }
