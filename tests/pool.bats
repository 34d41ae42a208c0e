#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The server's pool: what it costs in memory, pools made of several
# intervals, a port probed once a cycle (when it is taken, never when its
# lease ends), and a restart whose pool has changed (docs/serve.md).

load helpers
load serve_helpers

setup() { unset PORTSERVER_ADDRESS; }

# Stop what the test started; a sanitizer build's report lands in the
# server's log, and fails the test.
teardown() {
    stop_tracked
    ! grep -h "Sanitizer\|runtime error" "$BATS_TEST_TMPDIR"/server*.log 2>/dev/null
}

# hwm_kib PID: the peak resident set of PID, in KiB.
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# ASan maps shadow memory, which VmHWM counts: only a plain build is weighed.
plain_build_or_skip() {
    ! grep -qa __asan_init "$PORTPICKER" ||
        skip "an ASan build: its shadow memory swamps VmHWM"
}

# ---- memory ----

@test "an idle server with a pool of 50,000 ports stays under 2 MiB resident" {
    plain_build_or_skip
    start_server --quiet --pool 10000-59999
    [ "$(counter num-ports-managed)" -eq 50000 ]
    hwm=$(hwm_kib "$SERVER_PID")
    echo "VmHWM ${hwm} kB" >&2
    # Tables indexed by port (65,536 entries) or filled at start cost 3.8 MB.
    [ "$hwm" -lt 2048 ]
}

@test "leasing 10,000 ports grows the server's resident memory by under 512 KiB" {
    plain_build_or_skip
    start_owner
    start_server --quiet --pool 10000-59999
    before=$(hwm_kib "$SERVER_PID")
    for _ in $(seq 10); do
        for _ in $(seq 10); do echo "v1 pick $OWNER 100"; done |
            "$PYTHON" -c '
import socket, sys
for line in sys.stdin:
    s = socket.socket(socket.AF_UNIX)
    s.connect("\0" + sys.argv[1][1:])
    s.sendall(line.encode())
    reply = s.makefile().readline()
    assert reply.startswith("ok "), reply
    s.close()' "$ADDR"
    done
    [ "$(counter leases-held)" -eq 10000 ]
    after=$(hwm_kib "$SERVER_PID")
    echo "VmHWM ${before} kB idle, ${after} kB with 10,000 leases" >&2
    # 13 bytes a lease: 130 KB. A per-lease allocation would cost more.
    [ $((after - before)) -lt 512 ]
}

# ---- pools of several intervals ----

@test "a pool of several intervals grants every port of each, and none between" {
    start_owner
    start_server --pool 25100-25102,25105,25110-25111
    [ "$(counter num-ports-managed)" -eq 6 ]
    run raw "v1 pick $OWNER 6\n"
    [ "$(echo "${output#ok }" | tr ' ' '\n' | sort | tr '\n' ' ')" = \
      "25100 25101 25102 25105 25110 25111 " ]
    run raw "v1 pick $OWNER 1\n"
    [[ "$output" == "err exhausted"* ]]
}

@test "a preferred port in any interval of the pool is granted, one between them is not" {
    start_owner
    start_server --pool 25120-25122,25125,25130-25131
    [ "$(raw "v1 pick $OWNER 1 prefer=25131\n")" = "ok 25131" ]
    [ "$(raw "v1 pick $OWNER 1 prefer=25125\n")" = "ok 25125" ]
    port=$(raw "v1 pick $OWNER 1 prefer=25124\n")
    [[ "$port" =~ ^ok\ 2512[0-2]$ ]]
    run raw "v1 leases\n"
    [ "${lines[0]}" = "ok 3" ]
    [[ "${lines[1]}" == "port=${port#ok } pid=$OWNER "* ]]
    [[ "${lines[2]}" == "port=25125 pid=$OWNER "* ]]
    [[ "${lines[3]}" == "port=25131 pid=$OWNER "* ]]
}

@test "a released port of a pool of several intervals is granted last" {
    start_owner
    start_server --pool 25140-25141,25150-25151
    [ "$(raw "v1 pick $OWNER 1 prefer=25150\n")" = "ok 25150" ]
    [ "$(raw "v1 release 25150\n")" = "ok" ]
    # Free again at once; it queues behind the three never leased.
    [ "$(counter ports-free)" -eq 4 ]
    run raw "v1 pick $OWNER 4\n"
    [[ "$output" =~ ^ok\ 251[45][01]\ 251[45][01]\ 251[45][01]\ 25150$ ]]
}

# ---- one probe a port cycle ----

# trace_sockets FILE: strace records the server's socket(2) calls into
# FILE from now until trace_stop. A probe opens a socket for each protocol
# and family it tries (lib/probe.c), so the count a probe is measured, not
# assumed.
trace_sockets() { trace_server "$1" socket; }

# trace_stop: stop the trace, after time for any probe the server would
# make once the last request was answered.
trace_stop() {
    sleep 0.3
    untrace
}

# sockets_in FILE: how many socket(2) calls a trace holds.
sockets_in() { grep -c 'socket(' "$1" || true; }

# status_field NAME: NAME's value in the server's `v1 status` line.
status_field() { raw "v1 status\n" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# kill_owner PID: kill -9 PID and wait until the server has ended its leases.
kill_owner() {
    local before
    before=$(counter leases-reclaimed)
    kill -9 "$1"
    wait "$1" 2>/dev/null || true
    wait_for eval '[ "$(counter leases-reclaimed)" -gt '"$before"' ]'
}

@test "an owner's death and a release probe nothing: the next grant probes once a port it grants" {
    command -v strace >/dev/null || skip "strace is not installed"
    start_owner
    start_server --pool 25400-25407
    sleep 300 & victim=$!
    track_pid $victim
    [ "$(raw "v1 pick $victim 3\n")" = "ok 25400 25401 25402" ]
    [ "$(raw "v1 pick $OWNER 2\n")" = "ok 25403 25404" ]
    trace_sockets "$BATS_TEST_TMPDIR/one"
    [ "$(raw "v1 pick $OWNER 1\n")" = "ok 25405" ]
    trace_stop
    per_probe=$(sockets_in "$BATS_TEST_TMPDIR/one")
    echo "socket() calls a probe: $per_probe"
    [ "$per_probe" -ge 2 ]
    trace_sockets "$BATS_TEST_TMPDIR/ended"
    [ "$(raw "v1 release 25403\n")" = ok ]
    kill_owner $victim
    trace_stop
    echo "socket() calls for a release and a death of 3 ports: $(sockets_in "$BATS_TEST_TMPDIR/ended")"
    [ "$(sockets_in "$BATS_TEST_TMPDIR/ended")" -eq 0 ]
    [ "$(status_field free)" = 6 ]
    # Every port the pick is granted was probed once, the ended ones too.
    trace_sockets "$BATS_TEST_TMPDIR/six"
    run raw "v1 pick $OWNER 6\n"
    trace_stop
    [[ "$output" =~ ^ok( 254[0-9][0-9]){6}$ ]]
    echo "socket() calls for a pick of 6: $(sockets_in "$BATS_TEST_TMPDIR/six")"
    [ "$(sockets_in "$BATS_TEST_TMPDIR/six")" -eq $((6 * per_probe)) ]
    [ "$(counter num-ports-checked-for-last-request)" -eq 6 ]
    [ "$(status_field free)" = 0 ]
}

@test "a dead owner's port is never granted while another process holds it: TCP and UDP, IPv4 and IPv6" {
    start_owner
    start_server --pool 25410-25410
    kinds="tcp4-listen udp4 tcp-bound"
    has_ipv6 && kinds+=" tcp6-listen udp6"
    for kind in $kinds; do
        sleep 300 & victim=$!
        track_pid $victim
        [ "$(ask $victim)" = 25410 ]
        hold_socket "$kind" 25410
        holder=${TRACKED_PIDS[-1]}
        kill_owner $victim
        # Not leased, not known bound: free until a probe says otherwise.
        [ "$(status_field free)" = 1 ]
        [ "$(counter ports-resting)" = 0 ]
        run raw "v1 pick $OWNER 1\n"
        echo "$kind: $output"
        [[ "$output" == "err exhausted "* ]]
        [ "$(counter num-ports-checked-for-last-request)" = 1 ]
        [ "$(counter outsiders-skipped)" -ge 1 ]
        [ "$(status_field free)" = 0 ]
        [ "$(status_field leased)" = 0 ]
        [ "$(counter ports-resting)" = 1 ]
        # refused without a probe while it rests
        [[ "$(raw "v1 pick $OWNER 1\n")" == "err exhausted "* ]]
        [ "$(counter num-ports-checked-for-last-request)" = 0 ]
        kill "$holder"
        wait "$holder" 2>/dev/null || true
        # retried each second: granted once it probes free
        wait_for eval '[ "$(raw "v1 pick $OWNER 1\n")" = "ok 25410" ]'
        [ "$(counter ports-resting)" = 0 ]
        [ "$(raw "v1 release 25410\n")" = ok ]
    done
}

@test "a dead owner's port asked for by prefer= while another process holds it goes to rest, and the pick gets another" {
    start_owner
    start_server --pool 25430-25431
    sleep 300 & victim=$!
    track_pid $victim
    [ "$(raw "v1 pick $victim 1 prefer=25430\n")" = "ok 25430" ]
    hold_socket tcp4-listen 25430
    kill_owner $victim
    [ "$(raw "v1 pick $OWNER 1 prefer=25430\n")" = "ok 25431" ]
    # both probes counted: the preferred port's (bound) and the one granted
    [ "$(counter num-ports-checked-for-last-request)" = 2 ]
    [ "$(counter outsiders-skipped)" = 1 ]
    [ "$(counter ports-resting)" = 1 ]
}

# ---- restart ----

@test "a restart with a changed pool keeps the saved leases still in it and drops the rest" {
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 25200-25209 --state "$state"
    [ "$(raw "v1 pick $OWNER 4 A B C D\n")" = "ok 25200 25201 25202 25203" ]
    stop_server
    SERVER_LOG=$BATS_TEST_TMPDIR/server2.log
    start_server --pool 25202-25205,25300-25301 --state "$state"
    grep -q "pool 25202-25205,25300-25301 (6 ports), 2 leases kept" "$SERVER_LOG"
    grep -q "saved lease of port 25200 dropped: not in the pool" "$SERVER_LOG"
    grep -q "saved lease of port 25201 dropped: not in the pool" "$SERVER_LOG"
    run raw "v1 leases\n"
    [ "${lines[0]}" = "ok 2" ]
    [[ "${lines[1]}" == "port=25202 pid=$OWNER "*" names=C "* ]]
    [[ "${lines[2]}" == "port=25203 pid=$OWNER "*" names=D "* ]]
    [ "$(raw "v1 pick $OWNER 4\n")" = "ok 25204 25205 25300 25301" ]
    run raw "v1 pick $OWNER 1\n"
    [[ "$output" == "err exhausted"* ]]
    stop_server
    [ "$(grep -c "^[0-9]* [0-9a-f]* G " "$state")" -eq 6 ]
}
