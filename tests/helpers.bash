# SPDX-License-Identifier: Apache-2.0
# helpers.bash: shared by every .bats file. `load helpers` at the top.
#
# PORTPICKER is the binary under test (make test sets it; make asan points it
# at the sanitizer build). Every process a test starts is recorded with
# track_pid and stopped by pid in teardown.

bats_require_minimum_version 1.5.0

PORTPICKER=${PORTPICKER:-$BATS_TEST_DIRNAME/../portpicker}
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
TRACKED_PIDS=()

# refute CMD [ARG...]: succeed when CMD fails. A bare `! CMD` line never
# fails a test unless it is the test's last command (bash's errexit ignores
# a negated command); a call to refute is checked like any other
# (tests/structure.bats keeps bare ones out). grep failing with 2 (a file
# it could not read) is not "no line matched": refute fails then.
refute() {
    "$@" && return 1
    local rc=$?
    [ "$1" != grep ] || [ "$rc" -eq 1 ]
}

# The Linux-only mechanisms the binary was built with, "NAME yes" or "NAME
# no" a line (portpicker --features; lib/os.h). A binary too old to say is
# taken for a Linux build.
FEATURES=$("$PORTPICKER" --features 2>/dev/null) || FEATURES=
has_linux_mechanism() { [ -z "$FEATURES" ] || grep -qx "$1 yes" <<<"$FEATURES"; }

# needs_linux_mechanism NAME...: skip, naming it, unless the build has each
# (the POSIX build of make test-posix has none).
needs_linux_mechanism() {
    local m
    for m in "$@"; do
        has_linux_mechanism "$m" ||
            skip "needs Linux's $m, which this build replaces by its portable fallback"
    done
}

# needs_fallback NAME: skip unless the build uses NAME's portable fallback.
needs_fallback() {
    ! has_linux_mechanism "$1" ||
        skip "tests the portable fallback for $1, which this Linux build does not use"
}

# The applets of portpicker.c's table, as portpicker --help lists them, one
# a line.
table_applets() {
    pp --help | awk '/Applets:$/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'
}

# built_applets APPLET...: those of the applets the build has (no serve off
# Linux).
built_applets() {
    local a
    for a in "$@"; do
        [ "$a" != serve ] || has_linux_mechanism serve && echo "$a"
    done
}

# build_tool NAME: make build/NAME, a test program of the Makefile's (a
# module alone, under ASan and UBSan); fails, saying why, if it cannot.
build_tool() {
    run make -C "$BATS_TEST_DIRNAME/.." -s "build/$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

# A fresh server address for this test: an abstract name, or where the
# client has none a socket path.
new_address() {
    if has_linux_mechanism abstract; then
        echo "@pp-test-$BATS_TEST_NUMBER-$$-$RANDOM"
    else
        echo "$BATS_TEST_TMPDIR/pp-$RANDOM.sock"
    fi
}

# The POSIX build cannot ask for the ephemeral range, so each pick warns
# with this one line (lib/kernel_ports_iana.c; tests/pick.bats checks it);
# pp drops it, so that tests written for a silent pick hold there too.
PICK_WARNING=
if ! has_linux_mechanism proc-ports; then
    PICK_WARNING=$("$PORTPICKER" pick 2>&1 >/dev/null)
fi

pp() {
    [ -n "$PICK_WARNING" ] || { "$PORTPICKER" "$@"; return; }
    local err rc=0
    err=$(mktemp "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/pp-stderr.XXXXXX")
    "$PORTPICKER" "$@" 2>"$err" || rc=$?
    grep -vxF -- "$PICK_WARNING" "$err" >&2 || true
    rm -f "$err"
    return "$rc"
}

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
    [[ "$ADDR" == @* ]] || rm -f "$ADDR"
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

# visible: stdin is valid UTF-8 with no control character but newlines:
# no C0, DEL or C1, no line separator, no bidi control (proto_is_control).
visible() {
    "$PYTHON" -c '
import sys
text = sys.stdin.buffer.read().decode("utf-8")
controls = {0x061c, 0x200e, 0x200f, *range(0x2028, 0x202f), *range(0x2066, 0x206a)}
bad = [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or ord(c) in controls)]
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
