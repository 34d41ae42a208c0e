#!/usr/bin/env bats
# portpicker serve: the port server, against the real Python client and raw
# sockets. Every server listens on its own abstract name with a small pool
# and is stopped by pid in teardown.

load helpers
load serve_helpers

python_client_or_skip() {
    /usr/bin/python3 -c 'import portpicker' 2>/dev/null ||
        skip "/usr/bin/python3 cannot import portpicker (python3-portpicker)"
}

# ---- the wire ----

@test "the unmodified Python client gets a port from our pool" {
    python_client_or_skip
    start_server --pool 21000-21009
    run env PORTSERVER_ADDRESS="$ADDR" /usr/bin/python3 -c \
        'import portpicker; print(portpicker.pick_unused_port())'
    [ "$status" -eq 0 ]
    in_pool "$output" 21000 21009
    grep -q "port $output to pid" "$SERVER_LOG"
}

@test "the Python client's command line gets a port for its parent shell" {
    python_client_or_skip
    start_server --pool 21010-21019
    port=$(PORTSERVER_ADDRESS="$ADDR" /usr/bin/python3 -m portpicker $$)
    in_pool "$port" 21010 21019
    grep -q "port $port to pid $$ " "$SERVER_LOG"
}

@test "a reply is the port and a newline, then the server closes" {
    start_owner
    start_server --pool 21020-21020
    # --keep-open: the client does not half-close; EOF comes from us.
    run raw --keep-open --repr "$OWNER\n"
    [ "$output" = "b'21020\n'" ]
}

@test "a pid padded with whitespace is accepted, with or without a newline" {
    start_owner
    start_server --pool 21030-21039
    in_pool "$(raw " +$OWNER \n")" 21030 21039
    in_pool "$(raw "$OWNER")" 21030 21039
    in_pool "$(raw "\t$OWNER\r\n")" 21030 21039
}

@test "a pid that arrives in pieces is put together before it is parsed" {
    start_owner
    start_server --pool 21040-21049
    first=${OWNER:0:1} rest=${OWNER:1}
    run raw --keep-open --delay 0.3 "$first" "$rest" "\n"
    in_pool "$output" 21040 21049
}

@test "a pid without a newline from a client that waits is answered at its timeout" {
    start_owner
    start_server --pool 21050-21059
    run raw --keep-open --wait 8 "$OWNER"
    in_pool "$output" 21050 21059
}

# ---- leases ----

@test "live owners never share a port over many requests" {
    start_owner; o1=$OWNER
    start_owner; o2=$OWNER
    start_owner; o3=$OWNER
    start_server --pool 21100-21249
    run "$PYTHON" - "$ADDR" "$o1" "$o2" "$o3" <<'PY'
import socket, sys
addr, owners = "\0" + sys.argv[1][1:], sys.argv[2:]
ports = []
for i in range(150):
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    s.sendall(b"%s\n" % owners[i % 3].encode())
    ports.append(s.recv(64))
    s.close()
print(len(ports), len(set(ports)), sum(1 for p in ports if not p))
PY
    [ "$output" = "150 150 0" ]
    # The pool is exhausted now: the next request is refused.
    [ -z "$(ask "$o1")" ]
    [ "$(counter denied-allocations)" -eq 1 ]
    [ "$(counter leases-held)" -eq 150 ]
}

@test "a dead owner's port is granted again within milliseconds" {
    start_server --pool 21260-21260
    sleep 300 & victim=$!; track_pid $victim
    start_owner
    [ "$(ask $victim)" = 21260 ]
    [ -z "$(ask "$OWNER")" ]
    kill -9 $victim; wait $victim 2>/dev/null || true
    run "$PYTHON" - "$ADDR" "$OWNER" <<'PY'
import socket, sys, time
addr, owner = "\0" + sys.argv[1][1:], sys.argv[2].encode()
start = time.monotonic()
while time.monotonic() - start < 5:
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    s.sendall(owner + b"\n")
    reply = s.recv(64)
    s.close()
    if reply:
        print(reply.decode().strip(), "%.1f" % ((time.monotonic() - start) * 1000))
        break
PY
    echo "# reclaim: port ${output% *} after ${output#* } ms" >&3
    [ "${output% *}" = 21260 ]
    # Generous: pidfd reports a death at once; a loaded CI box may lag.
    [ "$(echo "${output#* } < 1000" | bc)" -eq 1 ]
}

@test "with --no-pidfd a dead owner's port comes back by polling /proc" {
    start_server --pool 21270-21270 --no-pidfd
    sleep 300 & victim=$!; track_pid $victim
    start_owner
    [ "$(ask $victim)" = 21270 ]
    kill -9 $victim; wait $victim 2>/dev/null || true
    wait_for eval '[ "$(ask "$OWNER")" = 21270 ]'
}

@test "a port an outsider has bound is skipped, never handed out" {
    start_owner
    start_server --pool 21280-21281
    hold_socket tcp4-listen 21280
    [ "$(ask "$OWNER")" = 21281 ]
    [ -z "$(ask "$OWNER")" ]
    [ "$(counter outsiders-skipped)" -ge 1 ]
}

@test "a port still bound when its owner dies rests until it is free" {
    start_owner
    start_server --pool 21290-21290
    sleep 300 & victim=$!; track_pid $victim
    [ "$(ask $victim)" = 21290 ]
    hold_socket tcp4-listen 21290
    holder=${TRACKED_PIDS[-1]}
    kill -9 $victim; wait $victim 2>/dev/null || true
    sleep 0.2
    [ -z "$(ask "$OWNER")" ]
    kill $holder; wait $holder 2>/dev/null || true
    wait_for eval '[ "$(ask "$OWNER")" = 21290 ]'
}

@test "a reused pid neither keeps nor steals a lease" {
    # With polling, a lease names (pid, start time): a newcomer on the same
    # pid is another owner. Simulated by the server seeing the start time
    # change: the journal entry of a dead pid is not restored (see state).
    start_owner
    start_server --pool 21295-21296
    p1=$(ask "$OWNER")
    p2=$(ask "$OWNER")
    [ "$p1" != "$p2" ]
    [ "$(counter owners)" -eq 1 ]
}

@test "--max-leases-per-uid stops one user draining the pool" {
    start_owner
    start_server --pool 21300-21309 --max-leases-per-uid 2
    [ -n "$(ask "$OWNER")" ]
    [ -n "$(ask "$OWNER")" ]
    [ -z "$(ask "$OWNER")" ]
    grep -q "max-leases-per-uid" "$SERVER_LOG"
}

@test "a container's pid 1 is a valid owner, through its NSpid" {
    command -v unshare >/dev/null || skip "no unshare"
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot unshare a pid namespace"
    start_server --pool 21310-21319
    out=$BATS_TEST_TMPDIR/ns.out
    # Inside: pid 1 is the shell; it asks for itself, then waits.
    unshare --pid --fork --mount-proc sh -c \
        "'$PYTHON' '$SERVE_CLIENT' '$ADDR' '1\n' > '$out' 2>/dev/null; sleep 300" &
    track_pid $!
    wait_for grep -q . "$out"
    port=$(cat "$out")
    in_pool "$port" 21310 21319
    # The owner is the container's shell, by its pid out here.
    inner=$(grep -l "^NSpid:.*[[:space:]]1$" /proc/[0-9]*/status 2>/dev/null |
        while read -r f; do p=${f#/proc/}; p=${p%/status}
            grep -q "port $port to pid $p " "$SERVER_LOG" && echo "$p"; done)
    [ -n "$inner" ]
    # When the container ends, the lease ends.
    kill -9 "$inner"
    wait_for grep -q "pid $inner exited: 1 leases ended" "$SERVER_LOG"
}

@test "pid 1 of the server's own pid namespace is refused" {
    start_server --pool 21320-21329
    [ -z "$(ask 1)" ]
    [ "$(counter denied-allocations)" -eq 1 ]
}
