#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# run: pick ports, bind them, and exec a command on the bound sockets
# (systemd socket activation), so no one can take a port in between.

load helpers
load serve_helpers

setup() { unset PORTSERVER_ADDRESS LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; }

ACTIVATED="$BATS_TEST_DIRNAME/activated.py"

# start_run OPTIONS... -- COMMAND...: portpicker run in the background, its
# output in $OUT; RUN_PID is the command's pid too (run execs it). Not
# through pp: a function in the background is a subshell with its own pid.
start_run() {
    OUT=$BATS_TEST_TMPDIR/run.out
    "$PORTPICKER" run "$@" >"$OUT" 2>&1 </dev/null &
    RUN_PID=$!
    track_pid "$RUN_PID"
}

# child_env PID NAME: NAME's value in the environment PID was exec'd with;
# fails while it has none (before run's exec, for one).
child_env() {
    local value
    value=$(tr '\0' '\n' <"/proc/$1/environ" | sed -n "s/^$2=//p")
    [ -n "$value" ] && echo "$value"
}

# http_get HOST PORT: the body a GET / answers with.
http_get() {
    "$PYTHON" -c 'import sys, urllib.request
print(urllib.request.urlopen("http://%s:%s/" % (sys.argv[1], sys.argv[2]), timeout=5).read().decode(), end="")' "$@"
}

# udp_echo HOST PORT TEXT: send TEXT in a datagram, print the answer.
udp_echo() {
    "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
print(s.recv(512).decode())' "$@"
}

@test "a Python server that binds nothing serves HTTP on fd 3 at the advertised port" {
    start_run --tcp WEB -- "$PYTHON" "$ACTIVATED"
    wait_for grep -qx ready "$OUT"
    port=$(child_env "$RUN_PID" WEB_PORT)
    [ "$(http_get 127.0.0.1 "$port")" = "hello from fd 3" ]
    if has_ipv6; then
        [ "$(http_get '[::1]' "$port")" = "hello from fd 3" ]
    fi
}

@test "a UDP server on fd 4 receives datagrams at its advertised port" {
    start_run --tcp WEB --udp DNS -- "$PYTHON" "$ACTIVATED"
    wait_for grep -qx ready "$OUT"
    port=$(child_env "$RUN_PID" DNS_PORT)
    [ "$port" != "$(child_env "$RUN_PID" WEB_PORT)" ]
    [ "$(udp_echo 127.0.0.1 "$port" query)" = QUERY ]
}

@test "gunicorn serves on the socket run passes, reading LISTEN_FDS itself" {
    command -v gunicorn >/dev/null || skip "gunicorn is not installed (apt-get install gunicorn)"
    printf '%s\n' 'def app(environ, start_response):' \
        '    start_response("200 OK", [("Content-Type", "text/plain")])' \
        '    return [b"hello from gunicorn\n"]' >"$BATS_TEST_TMPDIR/hello.py"
    start_run --tcp WEB -- gunicorn --chdir "$BATS_TEST_TMPDIR" --workers 1 --graceful-timeout 1 hello:app
    port=$(wait_for child_env "$RUN_PID" WEB_PORT)
    wait_for http_get 127.0.0.1 "$port" >/dev/null 2>&1
    [ "$(http_get 127.0.0.1 "$port")" = "hello from gunicorn" ]
}

@test "uvicorn serves on the socket run passes, given --fd 3" {
    command -v uvicorn >/dev/null || skip "uvicorn is not installed (apt-get install uvicorn)"
    printf '%s\n' 'async def app(scope, receive, send):' \
        '    await send({"type": "http.response.start", "status": 200, "headers": []})' \
        '    await send({"type": "http.response.body", "body": b"hello from uvicorn\n"})' \
        >"$BATS_TEST_TMPDIR/hello.py"
    start_run --tcp WEB -- uvicorn --app-dir "$BATS_TEST_TMPDIR" --fd 3 hello:app
    port=$(wait_for child_env "$RUN_PID" WEB_PORT)
    wait_for http_get 127.0.0.1 "$port" >/dev/null 2>&1
    [ "$(http_get 127.0.0.1 "$port")" = "hello from uvicorn" ]
}

@test "LISTEN_PID is the command's pid, LISTEN_FDNAMES its names, and only fds 0-4 are open in it" {
    exec 7>/dev/null    # the caller's descriptors stay out of the command
    start_run --tcp WEB --env DB --udp DNS -- sleep 30
    exec 7>&-
    wait_for child_env "$RUN_PID" LISTEN_PID >/dev/null
    [ "$(child_env "$RUN_PID" LISTEN_PID)" = "$RUN_PID" ]
    [ "$(child_env "$RUN_PID" LISTEN_FDS)" = 2 ]
    [ "$(child_env "$RUN_PID" LISTEN_FDNAMES)" = WEB:DNS ]
    [[ "$(child_env "$RUN_PID" DB_PORT)" =~ ^[0-9]+$ ]]
    [ "$(ls "/proc/$RUN_PID/fd" | sort -n | tr '\n' ' ')" = "0 1 2 3 4 " ]
    [[ "$(readlink "/proc/$RUN_PID/fd/3")" == socket:* ]]
    [[ "$(readlink "/proc/$RUN_PID/fd/4")" == socket:* ]]
}

@test "--env alone passes NAME_PORT and no LISTEN_ variables, not even inherited ones" {
    # ls lists its own fds, not sh's: sh holds a pipeline's ends, or a
    # saved stdout, for a moment. 3 is ls's own directory; an fd run let
    # through would push it to 4.
    run env LISTEN_FDS=1 LISTEN_PID=1 LISTEN_FDNAMES=x "$PORTPICKER" run --env DB -- \
        sh -c 'echo "$DB_PORT ${LISTEN_FDS-unset} ${LISTEN_PID-unset} ${LISTEN_FDNAMES-unset}"; exec ls -m /proc/self/fd'
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9]+\ unset\ unset\ unset$ ]]
    [ "${lines[1]}" = "0, 1, 2, 3" ]
}

@test "the command's exit status is run's: run execs, it does not supervise" {
    run pp run --env DB -- sh -c 'exit 42'
    [ "$status" -eq 42 ]
}

# parallel_runs OPTIONS...: 50 runs at once, each command holding its TCP
# and UDP sockets (it sleeps) until all have started; every run succeeds,
# silently, and all 100 ports differ.
parallel_runs() {
    local dir=$BATS_TEST_TMPDIR/par pids=() i tracked=${#TRACKED_PIDS[@]}
    mkdir -p "$dir"
    for i in $(seq 50); do
        "$PORTPICKER" run "$@" --tcp WEB --udp DNS -- sh -c \
            'echo "$WEB_PORT $DNS_PORT" >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep 60' \
            "$dir/$i.port" 2>"$dir/$i.err" &
        pids+=($!)
        track_pid $!
    done
    for _ in $(seq 1500); do
        [ "$(ls "$dir" | grep -c '\.port$')" -eq 50 ] && break
        cat "$dir"/*.err | grep -q . && break
        sleep 0.02
    done
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    TRACKED_PIDS=("${TRACKED_PIDS[@]:0:tracked}")   # reaped: nothing to stop
    cat "$dir"/*.err >&2
    [ -z "$(cat "$dir"/*.err)" ]
    [ "$(cat "$dir"/*.port | tr ' ' '\n' | wc -l)" -eq 100 ]
    [ "$(cat "$dir"/*.port | tr ' ' '\n' | sort -u | wc -l)" -eq 100 ]
}

@test "50 runs in parallel without a server never share a port nor fail" {
    parallel_runs
}

@test "50 runs in parallel with a server never share a port nor fail" {
    start_server --pool 21000-21199
    parallel_runs --server "$ADDR"
}

@test "with a server the lease belongs to the command, shows its names, and ends when it exits" {
    start_server --pool 21300-21309
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    PORTSERVER_ADDRESS=$ADDR start_run --tcp WEB --env DB -- sh -c 'read -r _ <"$0"' "$BATS_TEST_TMPDIR/fifo"
    wait_for eval 'pp check --leases -s "$ADDR" | grep -q " $RUN_PID "'
    run pp check --leases -s "$ADDR"
    echo "$output"
    [ "$(grep -c " $RUN_PID .*WEB" <<<"$output")" -ge 1 ]
    [ "$(grep -c " $RUN_PID .*DB" <<<"$output")" -ge 1 ]
    port=$(child_env "$RUN_PID" WEB_PORT)
    grep -q "^$port  *$RUN_PID " <<<"$output"
    echo >"$BATS_TEST_TMPDIR/fifo"
    wait "$RUN_PID"
    wait_for eval '! pp check --leases -s "$ADDR" | grep -q " $RUN_PID "'
}

@test "a refused lease is pick's exit code and nothing runs" {
    start_server --pool 21400-21400
    run pp run --server "$ADDR" --tcp WEB --udp DNS -- touch "$BATS_TEST_TMPDIR/ran"
    [ "$status" -eq 6 ]
    [[ "$output" == "portpicker run: "*refused* ]]
    [ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "portserver.py cannot lease named ports: run says so, exits 11, and nothing runs" {
    start_reference 21500-21509
    run pp run --server "$ADDR" --tcp WEB -- touch "$BATS_TEST_TMPDIR/ran"
    [ "$status" -eq 11 ]
    [[ "$output" == "portpicker run: "*"does not support"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "in a container without IPv6, run serves IPv4 on its socket" {
    unshare --net true 2>/dev/null || skip "cannot create a network namespace here (needs root)"
    export -f udp_echo child_env wait_for
    export PYTHON
    run unshare --net bash -c '
        ip link set lo up 2>/dev/null || exit 90
        echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 || exit 91
        echo 1 >/proc/sys/net/ipv6/conf/lo/disable_ipv6 || exit 91
        "$0" run --udp DNS -- "$PYTHON" "$1" >/dev/null 2>&1 & pid=$!
        port=$(wait_for child_env "$pid" DNS_PORT)
        udp_echo 127.0.0.1 "$port" ping; rc=$?
        kill "$pid"; wait "$pid"; exit $rc' "$PORTPICKER" "$ACTIVATED"
    [ "$status" -ne 90 ] || skip "ip(8) from iproute2 is not installed"
    [ "$status" -ne 91 ] || skip "cannot disable IPv6 in the namespace"
    [ "$status" -eq 0 ]
    [ "$output" = PING ]
}

# family_of OPTIONS...: "family address" of the socket run passes at fd 3.
family_of() {
    pp run "$@" --tcp WEB -- "$PYTHON" -c 'import socket
s = socket.socket(fileno=3)
v6only = s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) if s.family == socket.AF_INET6 else "-"
print(s.family.name, s.getsockname()[0], v6only)'
}

@test "sockets are dual-stack on the wildcard unless -4, -6 or --host say otherwise" {
    need_ipv6
    [ "$(family_of)" = "AF_INET6 :: 0" ]
    [ "$(family_of -4)" = "AF_INET 0.0.0.0 -" ]
    [ "$(family_of -6)" = "AF_INET6 :: 1" ]
    [ "$(family_of --host 127.0.0.1)" = "AF_INET 127.0.0.1 -" ]
    [ "$(family_of --host ::1)" = "AF_INET6 ::1 1" ]
}

@test "a TCP socket has SO_REUSEADDR and listens with the --backlog given" {
    command -v ss >/dev/null || skip "ss (iproute2) is not installed"
    start_run --backlog 77 --tcp WEB -- sleep 30
    port=$(wait_for child_env "$RUN_PID" WEB_PORT)
    [ "$(ss -Hltn "sport = :$port" | awk '{print $3}')" = 77 ]
    run pp run --tcp WEB -- "$PYTHON" -c 'import socket
print(socket.socket(fileno=3).getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))'
    [ "$output" = 1 ]
}

@test "without --backlog a TCP socket listens with the most the kernel allows (net.core.somaxconn)" {
    command -v ss >/dev/null || skip "ss (iproute2) is not installed"
    # Before: libc's SOMAXCONN, 128 in the musl build.
    start_run --tcp WEB -- sleep 30
    port=$(wait_for child_env "$RUN_PID" WEB_PORT)
    [ "$(ss -Hltn "sport = :$port" | awk '{print $3}')" = "$(cat /proc/sys/net/core/somaxconn)" ]
}

@test "n sockets need no more descriptors than 3 + n: one already in place is not moved" {
    [ "$(basename "$PORTPICKER")" = portpicker ] ||
        skip "a dynamic (sanitizer) build cannot even load its libraries with so few fds"
    # Before, every socket was first copied above 3 + n: 'ulimit -n 4' with
    # one socket was exit 3, "fcntl(F_DUPFD): Invalid argument".
    # (bats holds fd 3 and more: closed first)
    run bash -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 4; exec "$0" run --tcp W -- "$0" --version' "$PORTPICKER"
    [ "$status" -eq 0 ]
    [[ "$output" == "portpicker "* ]]
    run bash -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 5; exec "$0" run --tcp W --udp U -- "$0" --version' "$PORTPICKER"
    [ "$status" -eq 0 ]
    # Still laid out from 3, whatever sat there: a socket out of place moves.
    start_run --tcp A --udp B -- sleep 30 3</dev/null 4</dev/null
    wait_for child_env "$RUN_PID" B_PORT >/dev/null
    [ "$(readlink "/proc/$RUN_PID/fd/3" | cut -c1-7)" = "socket:" ]
    [ "$(readlink "/proc/$RUN_PID/fd/4" | cut -c1-7)" = "socket:" ]
}

@test "bad input is exit 2 with a message, and nothing runs" {
    ran=$BATS_TEST_TMPDIR/ran
    many=()
    for i in $(seq 17); do many+=(--tcp "S$i"); done
    for args in "--tcp WEB touch $ran" "--tcp WEB --" "--tcp WEB --udp WEB -- touch $ran" \
        "--tcp 1WEB -- touch $ran" "--env WEB-1 -- touch $ran" "-- touch $ran" \
        "--backlog 0 --tcp WEB -- touch $ran" "--tcp WEB --host nowhere -- touch $ran" \
        "${many[*]} -- touch $ran"; do
        run pp run $args
        echo "run $args: $status $output"
        [ "$status" -eq 2 ]
        [[ "$output" == "portpicker run: "* ]]
        [ "${#lines[@]}" -eq 1 ]
        [ ! -e "$ran" ]
    done
}

@test "a command that cannot be executed is exit 126, one not found 127, as in sh" {
    printf 'true\n' >"$BATS_TEST_TMPDIR/not-executable"
    run pp run --tcp WEB -- "$BATS_TEST_TMPDIR/not-executable"
    [ "$status" -eq 126 ]
    [[ "$output" == "portpicker run: cannot run '$BATS_TEST_TMPDIR/not-executable': Permission denied" ]]
    run -127 pp run --tcp WEB -- no-such-command-here
    [ "$status" -eq 127 ]
    [[ "$output" == "portpicker run: cannot run 'no-such-command-here': No such file or directory" ]]
}

@test "an executable script without '#!' is run by /bin/sh, as sh and execvp do, by path or through PATH" {
    # Before, in the static (musl) build: exit 126, "Exec format error".
    mkdir "$BATS_TEST_TMPDIR/bin"
    script=$BATS_TEST_TMPDIR/bin/no-shebang
    printf 'echo "ran $1 with $LISTEN_FDS socket on $WEB_PORT, pid $$ of $LISTEN_PID"\n' >"$script"
    chmod +x "$script"
    run pp run --tcp WEB -- "$script" arg
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^ran\ arg\ with\ 1\ socket\ on\ [0-9]+,\ pid\ ([0-9]+)\ of\ ([0-9]+)$ ]]
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
    run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" "$PORTPICKER" run --tcp WEB -- no-shebang arg
    [ "$status" -eq 0 ]
    [[ "$output" == "ran arg with 1 socket on "* ]]
    # A binary the kernel will not run (another architecture's ELF) is no
    # script: exit 126 as before, never its bytes fed to sh (exit 127).
    printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\267\0' >"$BATS_TEST_TMPDIR/bin/arm64"
    chmod +x "$BATS_TEST_TMPDIR/bin/arm64"
    run pp run --tcp WEB -- "$BATS_TEST_TMPDIR/bin/arm64"
    [ "$status" -eq 126 ]
    [ "$output" = "portpicker run: cannot run '$BATS_TEST_TMPDIR/bin/arm64': Exec format error" ]
}
