#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# serve under portpicker.service's own sandbox, as far as it applies without
# systemd as PID 1: the unit's RestrictAddressFamilies= (read from
# contrib/portpicker.service.in by tests/unit_sandbox.c, a seccomp filter like
# systemd's), NoNewPrivileges=, and, as root, an unprivileged uid with no
# capabilities (DynamicUser=, CapabilityBoundingSet=). The probe must answer
# there as the CLI does: a port in TIME_WAIT is free (lib/sockdiag.c asks
# the kernel over AF_NETLINK).

load helpers
load serve_helpers

TOP=$BATS_TEST_DIRNAME/..
UNIT=$TOP/contrib/portpicker.service.in

setup_file() {
    case $(uname -m) in x86_64 | aarch64) ;; *) return 0 ;; esac
    command -v cc >/dev/null || return 0
    cc -std=c11 -Wall -Wextra -Werror -O2 "$BATS_TEST_DIRNAME/unit_sandbox.c" \
        -o "$BATS_FILE_TMPDIR/unit_sandbox"
}

setup() {
    needs_linux_mechanism serve sockdiag
    SANDBOX=$BATS_FILE_TMPDIR/unit_sandbox
    [ -x "$SANDBOX" ] || skip "tests/unit_sandbox.c needs cc and an x86-64 or arm64 machine"
    # as the unit's DynamicUser with no capabilities, where we may switch
    WRAP=()
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        WRAP=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
    fi
}

# time_wait: a port left in TIME_WAIT on 127.0.0.1, in PORT.
time_wait() {
    PORT=$(pp pick)
    "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" time-wait "$PORT" >/dev/null
    grep -q ":$(printf '%04X' "$PORT") [0-9A-F:]* 06 " /proc/net/tcp ||
        skip "no TIME_WAIT entry appeared"
}

# serve_in UNIT: the server of this port alone, under UNIT's sandbox (the
# filter first, as root can read UNIT; the uid changes after it).
serve_in() {
    SERVE_WRAP="$SANDBOX $1 ${WRAP[*]}" start_server --pool "$PORT-$PORT"
}

@test "the sandbox refuses what the unit leaves out, and allows what it names" {
    grep -q '^RestrictAddressFamilies=' "$UNIT"
    printf '[Service]\nRestrictAddressFamilies=AF_UNIX AF_INET\n' >"$BATS_TEST_TMPDIR/unit"
    run "$SANDBOX" "$BATS_TEST_TMPDIR/unit" "$PYTHON" -c '
import socket
socket.socket(socket.AF_INET).close()
socket.socket(socket.AF_INET6)'
    [ "$status" -eq 1 ]
    [[ "$output" == *"[Errno 97] Address family not supported by protocol"* ]]
    printf 'RestrictAddressFamilies=AF_UNIX AF_BOGUS\n' >"$BATS_TEST_TMPDIR/unit"
    run "$SANDBOX" "$BATS_TEST_TMPDIR/unit" true
    [ "$status" -eq 2 ]
    [ "$output" = "unit_sandbox: unknown address family in RestrictAddressFamilies=: AF_BOGUS" ]
}

@test "under portpicker.service's sandbox, serve grants a port in TIME_WAIT, as check calls it free" {
    time_wait
    run pp check "$PORT"
    [ "$status" -eq 0 ]
    serve_in "$UNIT"
    # the server itself is filtered, and unprivileged where we could switch
    grep -q '^Seccomp:[[:space:]]*2$' "/proc/$SERVER_PID/status"
    [ ${#WRAP[@]} -eq 0 ] || grep -q '^Uid:[[:space:]]*65534[[:space:]]' "/proc/$SERVER_PID/status"
    run pp pick --server "$ADDR" $$
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$PORT" ]
}

@test "without AF_NETLINK in the unit, the same server calls that port taken and refuses" {
    time_wait
    sed '/^RestrictAddressFamilies=/s/ AF_NETLINK//' "$UNIT" >"$BATS_TEST_TMPDIR/unit"
    refute grep -q '^RestrictAddressFamilies=.*AF_NETLINK' "$BATS_TEST_TMPDIR/unit"
    serve_in "$BATS_TEST_TMPDIR/unit"
    run pp pick --server "$ADDR" $$
    echo "$output"
    [ "$status" -eq 6 ]
}
