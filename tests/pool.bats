#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The server's pool: what it costs in memory, pools made of several
# intervals, and a restart whose pool has changed (docs/serve.md, "Limits").

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
    # Free again once probed; it queues behind the three never leased.
    wait_for eval '[ "$(counter ports-free)" -eq 4 ]'
    run raw "v1 pick $OWNER 4\n"
    [[ "$output" =~ ^ok\ 251[45][01]\ 251[45][01]\ 251[45][01]\ 25150$ ]]
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
