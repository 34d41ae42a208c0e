# SPDX-License-Identifier: Apache-2.0
# serve_helpers.bash: start, talk to and stop port servers in tests.
# `load helpers` first: this uses PYTHON, pp, track_pid.

SERVE_CLIENT="$BATS_TEST_DIRNAME/serve_client.py"

# wait_for CMD...: retry CMD for up to 5 seconds.
wait_for() {
    for _ in $(seq 250); do
        "$@" && return 0
        sleep 0.02
    done
    "$@"
}

# start_server [OPTIONS...]: run `portpicker serve --address $ADDR OPTIONS`
# in the background (ADDR defaults to new_address), logging to $SERVER_LOG,
# and return when it listens. Sets SERVER_PID and ADDR. The server is
# PORTPICKER_SERVE when set (make test-posix: the Linux build, for a client
# that has no server of its own), else the binary under test. With
# SERVE_WRAP set (a command prefix such as strace), the server runs under it
# and SERVER_PID is the wrapper's.
start_server() {
    ADDR=${ADDR:-$(new_address)}
    SERVER_LOG=${SERVER_LOG:-$BATS_TEST_TMPDIR/server.log}
    ${SERVE_WRAP:-} "${PORTPICKER_SERVE:-$PORTPICKER}" serve --address "$ADDR" "$@" 2>>"$SERVER_LOG" 3>&- &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    if ! wait_for grep -q "listening on" "$SERVER_LOG"; then
        cat "$SERVER_LOG" >&2
        return 1
    fi
}

# start_reference LO-HI: Debian's portserver on a fresh address, in ADDR.
start_reference() {
    [ -x /usr/bin/portserver ] || skip "Debian's python3-portpicker (/usr/bin/portserver) is not installed"
    ADDR=$(new_address)
    SERVER_LOG=$BATS_TEST_TMPDIR/reference.log
    /usr/bin/portserver --portserver_address "$ADDR" --portserver_static_pool "$1" 2>>"$SERVER_LOG" &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_for grep -q "Serving on" "$SERVER_LOG" || wait_for pp check --server-up -q -s "$ADDR"
}

# stop_server: SIGTERM, then wait for the exit; sets SERVER_RC.
stop_server() {
    kill -TERM "$SERVER_PID"
    SERVER_RC=0
    wait "$SERVER_PID" || SERVER_RC=$?
}

# crash_and_restart [OPTIONS...]: kill -9 the server, then start_server
# OPTIONS again, logging to a new $SERVER_LOG.
crash_and_restart() {
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_LOG=$BATS_TEST_TMPDIR/server.$RANDOM.log
    start_server "$@"
}

# raw [OPTIONS] PIECE...: serve_client.py against $ADDR; prints the reply.
raw() { "$PYTHON" "$SERVE_CLIENT" "$ADDR" "$@"; }

# ask PID: request a port for PID; prints it (nothing when refused).
ask() { raw "$1\n" 2>/dev/null; }

# start_owner [COMMAND...]: a live process to own leases, in OWNER (stopped
# in teardown); COMMAND runs it (setpriv ... for another uid's owner).
start_owner() {
    "$@" sleep 300 &
    OWNER=$!
    track_pid "$OWNER"
    # A wrapper (setpriv) sets its uids before it execs: until then the
    # owner is still ours, and a lease asked as the other uid is refused.
    wait_for grep -qx sleep "/proc/$OWNER/comm"
}

# counter NAME: the server's counter NAME, logged after a SIGUSR1.
counter() {
    local before
    before=$(grep -c "ports-resting" "$SERVER_LOG")
    kill -USR1 "$SERVER_PID"
    wait_for eval '[ "$(grep -c "ports-resting" "$SERVER_LOG")" -gt "$before" ]' || return 1
    sed -n "s/.*: notice: $1 \([0-9]*\)\$/\1/p" "$SERVER_LOG" | tail -n 1
}

# in_pool PORT LO HI
in_pool() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# refused_as COUNTER PIECE...: with one lease granted, the request PIECE...
# gets no reply, counts once in COUNTER and is logged once; the server then
# keeps serving, the lease intact.
refused_as() {
    local counter=$1 first second
    shift
    start_owner
    start_server --pool 21400-21409
    first=$(ask "$OWNER")
    [ -n "$first" ]
    [ -z "$(raw "$@" 2>&1)" ]
    [ "$(counter "$counter")" -eq 1 ]
    [ "$(grep -c "info: bad request\|info: denied " "$SERVER_LOG")" -eq 1 ]
    second=$(ask "$OWNER")
    [ -n "$second" ]
    [ "$second" != "$first" ]
    [ "$(counter leases-held)" -eq 2 ]
}

# cpu_ticks PID: user + system clock ticks PID has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# trace_server FILE SYSCALLS [STRACE_OPTION...]: strace the server's
# SYSCALLS (a -e trace= list) into FILE from now until untrace; returns
# once strace is attached.
trace_server() {
    TRACE=$1
    strace -f -qq -e trace="$2" "${@:3}" -o "$TRACE" -p "$SERVER_PID" &
    TRACER=$!
    track_pid "$TRACER"
    wait_for eval '[ "$(awk "/^TracerPid:/ {print \$2}" "/proc/$SERVER_PID/status")" = "$TRACER" ]'
}

# trace_opens FILE: trace_server FILE for the server's openat and open.
trace_opens() { trace_server "$1" openat,open; }

# untrace: stop the strace of trace_server, its file complete.
untrace() {
    kill "$TRACER"
    wait "$TRACER" 2>/dev/null || true
}

# skip_without_pidfd_info: skip, saying why, when the server found no
# PIDFD_GET_INFO (Linux < 6.13) and so reads /proc as before.
skip_without_pidfd_info() {
    if grep -q "PIDFD_GET_INFO: " "$SERVER_LOG"; then
        skip "this kernel has no PIDFD_GET_INFO (Linux >= 6.13): owners are checked through /proc"
    fi
}
