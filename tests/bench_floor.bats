#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# bench/floor's servers, which `make bench` divides our server's CPU by
# (docs/bench.md, section 7): each must do the work its floor names, or
# the ratios printed against it mean nothing.

load helpers
load serve_helpers

TOP=$BATS_TEST_DIRNAME/..

setup() {
    FLOOR=$BATS_TEST_TMPDIR/floor
    run cc -std=c11 -O2 -o "$FLOOR" "$TOP/bench/floor.c"
    echo "$output"
    [ "$status" -eq 0 ]
    ADDR="@pp-floor-$BATS_TEST_NUMBER-$$-$RANDOM"
}

# start_floor [MODE...]: bench/floor serve $ADDR MODE... in the background
# (SERVER_PID), traced from when it listens on: its binds, listens and
# pidfd_opens in $TRACE (untrace completes it).
start_floor() {
    "$FLOOR" serve "$ADDR" "$@" &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_for grep -q "${ADDR#@}" /proc/net/unix
    trace_server "$BATS_TEST_TMPDIR/trace" bind,listen,pidfd_open
}

# ask PID...: one request per pid, each on a connection of its own; prints
# each reply.
ask() {
    "$PYTHON" - "$ADDR" "$@" <<'EOF'
import socket, sys
addr = "\0" + sys.argv[1][1:]
for pid in sys.argv[2:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(addr)
    s.sendall(pid.encode() + b"\n")
    print(s.recv(64).decode(), end="")
    s.close()
EOF
}

@test "bench/floor serve answers each request, probing nothing and watching nobody" {
    start_floor
    run ask $$ $$ $$
    echo "$output"
    [ "$output" = $'1\n1\n1' ]
    untrace
    refute grep -E 'pidfd_open|AF_INET' "$TRACE"
}

@test "bench/floor serve probe: each reply follows a probe of one port, TCP bound and listening and UDP bound" {
    need_ipv6
    start_floor probe
    run ask $$ $$ $$
    echo "$output"
    [ "$output" = $'1\n1\n1' ]
    untrace
    cat "$TRACE"
    # One port, the kernel's choice at start, probed per request: a TCP
    # bind and its listen, a UDP bind, on dual-stack sockets.
    port=$(grep -m1 -o 'sin6_port=htons([1-9][0-9]*)' "$TRACE" | grep -o '[0-9]*')
    [ -n "$port" ]
    [ "$(grep -c "bind(.*sin6_port=htons($port)" "$TRACE")" -eq 6 ]
    refute grep -E "sin6_port=htons\([1-9]" <(grep -v "htons($port)" "$TRACE")
    [ "$(grep -c 'listen([0-9]*, 1)' "$TRACE")" -eq 3 ]
    refute grep pidfd_open "$TRACE"
}

@test "bench/floor serve watch probe: each request's pid is watched by a pidfd, and its port probed" {
    need_ipv6
    start_floor watch probe
    sleep 30 & owner=$!
    track_pid $owner
    run ask $owner $owner
    echo "$output"
    [ "$output" = $'1\n1' ]
    untrace
    cat "$TRACE"
    [ "$(grep -cE "pidfd_open\($owner, 0\) += [0-9]" "$TRACE")" -eq 2 ]
    [ "$(grep -c 'listen([0-9]*, 1)' "$TRACE")" -eq 2 ]
}

@test "bench/floor serve refuses a mode it does not know, or one given twice, with its usage" {
    for modes in "watch watch" "probe probe" "nosuch" "watch probe extra"; do
        # shellcheck disable=SC2086 # the modes are words
        run "$FLOOR" serve "$ADDR" $modes
        echo "$modes: $status $output"
        [ "$status" -eq 2 ]
        [[ "$output" == usage:* ]]
    done
}
