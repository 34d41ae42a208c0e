#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# check: free or in use, listening or not, with real sockets on the port.

load helpers

@test "check says free and exits 0 for a free port" {
    port=$(pp pick)
    run pp check "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port free" ]
}

@test "check sees a TCP listener on 127.0.0.1" {
    port=$(pp pick); hold_socket tcp4-listen-lo "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (tcp on 0.0.0.0)" ]
}

@test "check sees a TCP listener on ::1" {
    need_ipv6
    port=$(pp pick); hold_socket tcp6-listen-lo "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (tcp on ::)" ]
}

@test "check sees a TCP listener on the IPv4 wildcard" {
    port=$(pp pick); hold_socket tcp4-listen "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "check sees a TCP listener on the IPv6 wildcard" {
    need_ipv6
    port=$(pp pick); hold_socket tcp6-listen "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "check sees a UDP socket on IPv4" {
    port=$(pp pick); hold_socket udp4 "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (udp on 0.0.0.0)" ]
}

@test "check sees a UDP socket on IPv6" {
    need_ipv6
    port=$(pp pick); hold_socket udp6 "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (udp on ::)" ]
}

@test "check sees a UDP socket bound with SO_REUSEADDR (python_portpicker says free)" {
    port=$(pp pick); hold_socket udp4-reuse "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "check sees a TCP socket bound with SO_REUSEADDR but not listening yet" {
    port=$(pp pick); hold_socket tcp-bound-reuse "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "check sees a plain TCP socket bound but not listening" {
    port=$(pp pick); hold_socket tcp-bound "$port"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "a port left in TIME_WAIT counts as free, as for any SO_REUSEADDR server; without sock_diag as taken" {
    port=$(pp pick)
    "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" time-wait "$port"
    hex=$(printf '%04X' "$port")
    grep -q ":$hex [0-9A-F:]* 06 " /proc/net/tcp || skip "no TIME_WAIT entry appeared"
    run pp check "$port"
    if has_linux_mechanism sockdiag; then
        [ "$status" -eq 0 ]
    else
        # No connection can be told from a claim: conservative.
        [ "$status" -eq 1 ]
        [[ "$output" == "$port in use (tcp on "* ]]
    fi
}

@test "check answers for several ports and exits 1 if any is in use" {
    free=$(pp pick); busy=$(pp pick --exclude "$free")
    hold_socket tcp4-listen "$busy"
    run pp check "$free" "$busy"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "$free free" ]
    [[ "${lines[1]}" == "$busy in use"* ]]
    run pp check "$free"
    [ "$status" -eq 0 ]
}

@test "check --quiet prints nothing" {
    port=$(pp pick)
    run pp check --quiet "$port"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    hold_socket tcp4-listen "$port"
    run pp check -q "$port"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "check --tcp ignores UDP sockets and --udp ignores TCP listeners" {
    port=$(pp pick); hold_socket udp4 "$port"
    run pp check --tcp "$port"
    [ "$status" -eq 0 ]
    run pp check --udp "$port"
    [ "$status" -eq 1 ]
}

@test "check -6 ignores an IPv4-only listener and -4 sees it" {
    need_ipv6
    port=$(pp pick); hold_socket tcp4-listen "$port"
    run pp check -6 "$port"
    [ "$status" -eq 0 ]
    run pp check -4 "$port"
    [ "$status" -eq 1 ]
}

@test "check --host probes only that address" {
    port=$(pp pick); hold_socket tcp4-listen-lo "$port"
    run pp check --host 127.0.0.1 "$port"
    [ "$status" -eq 1 ]
    run pp check --host 127.0.0.2 "$port"
    [ "$status" -eq 0 ]
}

@test "check --listening exits 0 when something accepts connections" {
    port=$(pp pick); hold_socket tcp4-listen-lo "$port"
    run pp check --listening "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port listening (tcp on 127.0.0.1)" ]
}

@test "check --listening finds a listener on ::1" {
    need_ipv6
    port=$(pp pick); hold_socket tcp6-listen-lo "$port"
    run pp check --listening "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port listening (tcp on ::1)" ]
}

@test "check --listening exits 1 when nothing listens" {
    port=$(pp pick)
    run pp check --listening "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port not listening" ]
}

@test "check --listening does not count a bound socket that does not listen" {
    port=$(pp pick); hold_socket tcp-bound "$port"
    run pp check -l "$port"
    [ "$status" -eq 1 ]
}

# in_netns SCRIPT ARG...: run the bash SCRIPT as root in a network namespace
# of its own with lo up, where sysctls (the ephemeral range) are ours to
# set; skips where that cannot be done.
in_netns() {
    unshare --net true 2>/dev/null || skip "cannot create a network namespace here (needs root)"
    command -v ip >/dev/null || skip "ip(8) from iproute2 is not installed"
    run --separate-stderr unshare --net bash -c 'ip link set lo up || exit 90; '"$1" "${@:2}"
    [ "$status" -ne 90 ] || skip "cannot bring lo up in a network namespace"
}

@test "check --listening does not take a connection to itself for a listener (a port of the ephemeral range)" {
    # With one port in the range and nothing listening on it, the kernel
    # connects from that very port and the SYNs cross: a TCP simultaneous
    # open, connected with no listener at all.
    in_netns 'echo "40000 40000" > /proc/sys/net/ipv4/ip_local_port_range || exit 91
        "$0" check -l 40000; echo "rc=$?"
        start=$(date +%s%N)
        "$0" check -l --wait 1 40000; echo "rc=$?"
        echo "ms=$(( ($(date +%s%N) - start) / 1000000 ))"' "$PORTPICKER"
    [ "$status" -ne 91 ] || skip "cannot set the ephemeral port range"
    echo "$output"; echo "$stderr"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "${lines[0]}" = "40000 not listening" ]
    [ "${lines[1]}" = "rc=1" ]
    [ "${lines[2]}" = "40000 not listening" ]
    [ "${lines[3]}" = "rc=1" ]
    ms=${lines[4]#ms=}
    [ "$ms" -ge 900 ]
    [ "$ms" -lt 5000 ]
}

@test "check --listening with no source port free to connect from is a system error (exit 3), not \"not listening\"" {
    # The one port of the range is the source of a connection to 5000
    # already, so a connect to 5000 has none (EADDRNOTAVAIL).
    in_netns 'echo "40000 40000" > /proc/sys/net/ipv4/ip_local_port_range || exit 91
        "$1" "$2" tcp4-listen-lo 5000 10 > "$3.listener" & listener=$!
        for _ in $(seq 100); do grep -q ready "$3.listener" && break; sleep 0.02; done
        "$1" "$2" tcp4-client 5000 10 > "$3.client" & client=$!
        for _ in $(seq 100); do grep -q ready "$3.client" && break; sleep 0.02; done
        "$0" check -l 5000; rc=$?
        kill "$listener" "$client"; wait
        grep -qx ready "$3.listener" && grep -qx ready "$3.client" || exit 92
        exit "$rc"' "$PORTPICKER" "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" "$BATS_TEST_TMPDIR/out"
    [ "$status" -ne 91 ] || skip "cannot set the ephemeral port range"
    echo "$output"; echo "$stderr"
    [ "$status" -eq 3 ]
    [ -z "$output" ]
    [[ "$stderr" == "portpicker check: connect to 127.0.0.1 port 5000: "* ]]
    [ "${#stderr_lines[@]}" -eq 1 ]
}

@test "check --listening --host asks that address" {
    port=$(pp pick); hold_socket tcp4-listen-lo "$port"
    run pp check --listening --host 127.0.0.1 "$port"
    [ "$status" -eq 0 ]
    run pp check --listening --host 127.0.0.2 "$port"
    [ "$status" -eq 1 ]
}

@test "check --listening --wait waits for a server to come up" {
    port=$(pp pick)
    ( sleep 0.5; exec "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" tcp4-listen-lo "$port" 10 ) >/dev/null &
    track_pid $!
    run pp check --listening --wait 5 "$port"
    [ "$status" -eq 0 ]
}

@test "check --wait waits for a port to become free" {
    port=$(pp pick)
    "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" tcp4-listen "$port" 0.6 >/dev/null &
    track_pid $!
    sleep 0.2
    run pp check --wait 5 "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port free" ]
}

@test "check --wait gives up after the timeout with exit 1" {
    port=$(pp pick)
    start=$(date +%s%N)
    run pp check --listening --wait 0.4 "$port"
    elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$status" -eq 1 ]
    [ "$elapsed_ms" -ge 350 ]
    [ "$elapsed_ms" -lt 5000 ]
}

@test "check --listening --wait ends by its deadline when connects hang (SYNs dropped by a full accept queue)" {
    port=$(pp pick); hold_socket tcp4-syn-drop "$port"
    # Before, each connect could wait 1 s (or the whole --wait) for each
    # port: 4 ports took 2 s past a 0.5 s wait, and a 0.01 s wait 1 s.
    # Bounds, not a benchmark: the deadline and most of a second of slack.
    for wait_bound in 0.5:1500 0.01:900; do
        start=$(date +%s%N)
        run pp check --listening --wait "${wait_bound%:*}" "$port" "$port" "$port" "$port"
        elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
        echo "--wait ${wait_bound%:*}: $elapsed_ms ms"
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = "$port not listening" ]
        [ "$elapsed_ms" -lt "${wait_bound#*:}" ]
    done
}

@test "check reports a system error with exit 3 (privileged port as a non-root user)" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    [ "$(id -u)" -eq 0 ] || skip "needs root to drop to another user"
    unprivileged=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
    [ "$unprivileged" -gt 80 ] || skip "this host lets anyone bind port 80"
    run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTPICKER" check 80
    [ "$status" -eq 3 ]
    [[ "$stderr" == "portpicker check: probing port 80: "*"Permission denied" ]]
}

@test "check reports EMFILE as a system error with exit 3" {
    [ "$(basename "$PORTPICKER")" = portpicker ] ||
        skip "a dynamic (sanitizer) build cannot even load its libraries with 3 fds"
    port=$(pp pick)
    run --separate-stderr bash -c "ulimit -n 3; exec \"$PORTPICKER\" check $port"
    [ "$status" -eq 3 ]
    ends_with_emfile "$stderr"
}

@test "in a container without IPv6, pick and check skip the family instead of failing" {
    unshare --net true 2>/dev/null || skip "cannot create a network namespace here (needs root)"
    run unshare --net bash -c '
        ip link set lo up 2>/dev/null || exit 90
        echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 || exit 91
        echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6 || exit 91
        port=$("$0" pick) || exit 1
        "$0" check "$port" || exit 2
        "$1" "$2" tcp4-listen-lo "$port" 5 > "$3" & holder=$!
        for _ in $(seq 100); do grep -q ready "$3" && break; sleep 0.02; done
        "$0" check "$port"; free=$?
        "$0" check --listening "$port"; listening=$?
        kill "$holder"; wait "$holder"
        [ "$free" -eq 1 ] && [ "$listening" -eq 0 ] || exit 3' \
        "$PORTPICKER" "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" "$BATS_TEST_TMPDIR/out"
    [ "$status" -ne 90 ] || skip "ip(8) from iproute2 is not installed"
    [ "$status" -ne 91 ] || skip "cannot disable IPv6 in the namespace"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"free"* ]]
    [[ "$output" == *"in use (tcp on 0.0.0.0)"* ]]
    [[ "$output" == *"listening (tcp on 127.0.0.1)"* ]]
}

@test "a port no socket could ask about is an error, not free: every family missing (EAFNOSUPPORT)" {
    command -v strace >/dev/null || skip "strace is not installed (it fails the sockets)"
    port=$(pp pick)
    hold_socket tcp6-listen "$port"
    # -6 where IPv6 is off, or every inet family filtered (seccomp,
    # RestrictAddressFamilies=): before, "free" with nothing probed.
    for argv in "check -6 $port" "check $port" "pick -r $port"; do
        run --separate-stderr strace -f -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0 \
            -e inject=socket:error=EAFNOSUPPORT "$PORTPICKER" $argv
        [ "$status" -eq 3 ]
        [ -z "$output" ]
        [[ "$stderr" == *"probing port $port: tcp on "*": Address family not supported by protocol" ]]
    done
}

@test "every TCP probe socket is shut down before it is closed (python_portpicker 1.6's flake fix), and no UDP one" {
    command -v strace >/dev/null || skip "strace is not installed"
    port=$(pp pick)
    run strace -f -e trace=socket,shutdown,close "$PORTPICKER" check --tcp --udp -4 -6 "$port"
    tcp=$(grep -cE '^(\[pid +[0-9]+\] )?socket\(AF_INET6?, SOCK_STREAM' <<<"$output")
    udp=$(grep -cE '^(\[pid +[0-9]+\] )?socket\(AF_INET6?, SOCK_DGRAM' <<<"$output")
    shutdowns=$(grep -cE '^(\[pid +[0-9]+\] )?shutdown\([0-9]+, SHUT_RDWR\) += 0' <<<"$output")
    failed=$(grep -cE 'shutdown\(.*ENOTCONN' <<<"$output" || true)
    [ "$tcp" -ge 1 ]
    [ "$udp" -ge 1 ]
    # shutdown of an unconnected UDP socket fails with ENOTCONN and does
    # nothing: probes skip it
    [ "$shutdowns" -eq "$tcp" ]
    [ "$failed" -eq 0 ]
}

@test "a free port takes two dual-stack sockets with IPv6 on, four with it off (make test-ipv6-off)" {
    needs_linux_mechanism proc-ipv6
    command -v strace >/dev/null || skip "strace is not installed"
    port=$(pp pick)
    run strace -e trace=socket,setsockopt "$PORTPICKER" check "$port"
    [[ "$output" == *"$port free"* ]]
    sockets=$(grep -c '^socket(AF_INET6\?, SOCK_' <<<"$output")
    dual=$(grep -c 'IPV6_V6ONLY, \[0\]' <<<"$output" || true)
    if [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" = 0 ]; then
        [ "$sockets" -eq 2 ]
        [ "$dual" -eq 2 ]
    else
        [ "$sockets" -eq 4 ]
        [ "$dual" -eq 0 ]
    fi
}
