#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pick without a server: one free port, or N, from a range.

load helpers

setup() { unset PORTSERVER_ADDRESS; }

@test "pick prints one port and a newline, nothing else on stdout" {
    run --separate-stderr pp pick
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    [ -z "$stderr" ]
}

@test "pick with stdout closed says so, exit 3: a port it holds never takes descriptor 1" {
    # -n holds its ports' sockets while it prints, the BIND_TIMEOUT form
    # while it forks: once, the first took the number 1 and the ports went
    # down it (EPIPE, killed by SIGPIPE, 141).
    local form
    for form in "-n 2" "-n 1 --fence" "$$ 0.5"; do
        # shellcheck disable=SC2086 # each form is its words
        run --separate-stderr sh -c '"$@" >&-' sh "$PORTPICKER" pick $form
        echo "pick $form: $status, $stderr"
        [ "$status" -eq 3 ]
        # (a build that cannot read the ephemeral range says so first)
        [ "${stderr_lines[-1]}" = "portpicker pick: writing the ports: Bad file descriptor" ]
    done
}

@test "the picked port is free on TCP and UDP, IPv4 and IPv6" {
    port=$(pp pick)
    run pp check "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port free" ]
}

@test "the default range is 15000-24999" {
    for _ in $(seq 20); do
        port=$(pp pick)
        [ "$port" -ge 15000 ]
        [ "$port" -le 24999 ]
    done
}

@test "picks spread over the range rather than repeating one port" {
    ports=$(for _ in $(seq 10); do pp pick; done | sort -u | wc -l)
    [ "$ports" -ge 5 ]
}

@test "pick accepts python_portpicker's PID argument" {
    run pp pick $$
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
}

@test "pick -n 5 prints five distinct free ports" {
    run pp pick -n 5
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 5 ]
    [ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 5 ]
    for port in "${lines[@]}"; do
        run pp check "$port"
        [ "$status" -eq 0 ]
    done
}

@test "pick --range keeps to the range" {
    for _ in $(seq 10); do
        port=$(pp pick --range 23000-23009,23500)
        [ "$port" -ge 23000 ] && [ "$port" -le 23009 ] || [ "$port" -eq 23500 ]
    done
}

@test "pick -n takes every port of a small range exactly once" {
    base=$(pp pick --range 20000-24000)
    run pp pick -n 4 --range "$base-$((base + 3))"
    [ "$status" -eq 0 ] || skip "a neighbour of $base is in use on this host"
    [ "$(printf '%s\n' "${lines[@]}" | sort -n | tr '\n' ' ')" = "$base $((base + 1)) $((base + 2)) $((base + 3)) " ]
}

@test "pick -n takes a range given in overlapping pieces, out of order, less its excludes" {
    base=$(pp pick --range 20000-24000)
    run pp pick -n 5 --range "$((base + 6))-$((base + 9)),$base-$((base + 7))" \
        --exclude "$((base + 1))-$((base + 3)),$((base + 8))" -x "$((base + 5))"
    [ "$status" -eq 0 ] || skip "a neighbour of $base is in use on this host"
    [ "$(printf '%s\n' "${lines[@]}" | sort -n | tr '\n' ' ')" = "$base $((base + 4)) $((base + 6)) $((base + 7)) $((base + 9)) " ]
}

@test "an excluded whole range names the range in its error" {
    run --separate-stderr pp pick --range 20000-20009,20020 --exclude 20000-20020
    [ "$status" -eq 4 ]
    [ "$stderr" = "portpicker pick: no port left to pick in 20000-20009,20020 once excludes, the ephemeral range and reserved ports are left out" ]
}

@test "pick skips a port that is in use" {
    port=$(pp pick)
    hold_socket tcp4-listen "$port"
    for _ in $(seq 5); do
        run pp pick --range "$port-$((port + 1))"
        [ "$status" -eq 0 ]
        [ "$output" -ne "$port" ]
    done
}

@test "a full range ends with exit 4 and a clear error, nothing on stdout" {
    port=$(pp pick)
    hold_socket tcp4-listen "$port"
    run --separate-stderr pp pick --range "$port"
    [ "$status" -eq 4 ]
    [ -z "$output" ]
    [[ "$stderr" == "portpicker pick: only 0 of 1 ports free"* ]]
}

@test "asking for more ports than the range has fails whole, with exit 4" {
    base=$(pp pick --range 20000-24000)
    run --separate-stderr pp pick -n 3 --range "$base-$((base + 1))"
    [ "$status" -eq 4 ]
    [ -z "$output" ]
}

@test "pick --exclude never returns an excluded port" {
    base=$(pp pick --range 20000-24000)
    for _ in $(seq 10); do
        run pp pick --range "$base-$((base + 2))" --exclude "$base" -x "$((base + 1))"
        [ "$status" -eq 0 ] || skip "port $((base + 2)) is in use on this host"
        [ "$output" -eq $((base + 2)) ]
    done
}

@test "a range that lies in the kernel's ephemeral range is refused with exit 4" {
    needs_linux_mechanism proc-ports
    read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range || skip "no /proc ephemeral range"
    run --separate-stderr pp pick --range "$lo-$((lo + 5))"
    [ "$status" -eq 4 ]
    [[ "$stderr" == *"ephemeral range"* ]]
}

@test "where the system cannot be asked, pick leaves out IANA's 49152-65535 and says so on each run" {
    needs_fallback proc-ports
    run --separate-stderr "$PORTPICKER" pick
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    [ "$stderr" = "portpicker pick: this build cannot ask the system for its ephemeral range: leaving out 49152-65535, IANA's (RFC 6335)" ]
    run --separate-stderr "$PORTPICKER" pick --range 49152-65535
    [ "$status" -eq 4 ]
    run --separate-stderr "$PORTPICKER" pick --range 49151-49152
    [ "$output" = 49151 ]
}

@test "an ephemeral range that cannot be read is warned of with its cause, and the kernel's default left out" {
    needs_linux_mechanism proc-ports
    command -v strace >/dev/null || skip "strace is not installed (it fails the read)"
    # Before, every cause read "is /proc mounted?", EMFILE included.
    for err in EMFILE ENOENT; do
        run --separate-stderr strace -f -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0 \
            -P /proc/sys/net/ipv4/ip_local_port_range \
            -e inject=openat:error=$err "$PORTPICKER" pick
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^[0-9]+$ ]]
        case $err in # musl's words, glibc's
        EMFILE) [[ "$stderr" =~ \((No file descriptors available|Too many open files)\) ]] ;;
        ENOENT) [[ "$stderr" == *"(No such file or directory)"* ]] ;;
        esac
        [[ "$stderr" == "portpicker pick: cannot read the kernel's ephemeral range ("*"): leaving out 32768-60999, its default" ]]
    done
}

@test "the kernel's reserved ports are never picked" {
    needs_linux_mechanism proc-ports
    [ -w /proc/sys/net/ipv4/ip_local_reserved_ports ] || skip "needs root to set ip_local_reserved_ports"
    old=$(cat /proc/sys/net/ipv4/ip_local_reserved_ports)
    base=$(pp pick --range 20000-24000)
    echo "$base" > /proc/sys/net/ipv4/ip_local_reserved_ports
    run pp pick --range "$base-$((base + 1))"
    echo "$old" > /proc/sys/net/ipv4/ip_local_reserved_ports
    [ "$status" -eq 0 ]
    [ "$output" -eq $((base + 1)) ]
}

@test "a reserved-ports list that cannot be read is an error, never an empty list; one not there is empty" {
    needs_linux_mechanism proc-ports
    command -v strace >/dev/null || skip "strace is not installed (it fails the read)"
    list=/proc/sys/net/ipv4/ip_local_reserved_ports
    # Before, a failed read (EMFILE, EIO) was taken for "none reserved",
    # and a reserved port could be picked.
    for fault in openat:error=EMFILE read:error=EIO; do
        for argv in "pick" "run --env X -- true"; do
            run --separate-stderr strace -f -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0 -P "$list" \
                -e inject="$fault" "$PORTPICKER" $argv
            [ "$status" -eq 3 ]
            [ -z "$output" ]
            [[ "$stderr" == "portpicker ${argv%% *}: reading the kernel's reserved ports: "* ]]
        done
    done
    # Not there (no /proc, a sandbox): the kernel's default, empty.
    run strace -f -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0 -P "$list" \
        -e inject=openat:error=ENOENT "$PORTPICKER" pick
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
}

@test "a long list of reserved ports, singles and ranges, is left out whole" {
    needs_linux_mechanism proc-ports
    [ -w /proc/sys/net/ipv4/ip_local_reserved_ports ] || skip "needs root to set ip_local_reserved_ports"
    old=$(cat /proc/sys/net/ipv4/ip_local_reserved_ports)
    base=20100
    # every other port of base..base+3999, then base+4000..base+4049 as a
    # range: 12 KB of text, past any small buffer; pick from the end of it
    list=$(seq -s, "$base" 2 $((base + 3998))),$((base + 4000))-$((base + 4049))
    echo "$list" > /proc/sys/net/ipv4/ip_local_reserved_ports
    run --separate-stderr pp pick -n 50 --range "$((base + 3900))-$((base + 4049))"
    echo "$old" > /proc/sys/net/ipv4/ip_local_reserved_ports
    [ "$status" -eq 0 ] || skip "ports of $((base + 3900))-$((base + 3999)) are in use on this host"
    for port in $output; do
        [ $(( (port - base) % 2 )) -eq 1 ]
        [ "$port" -lt $((base + 4000)) ]
    done
    [ "$(wc -w <<<"$output")" -eq 50 ]
}

@test "pick with BIND_TIMEOUT returns at once and holds the port" {
    start=$(date +%s%N)
    port=$(pp pick $$ 5)
    elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$elapsed_ms" -lt 3000 ]
    holder=$(pgrep -nf "pick $$ 5" | head -1)
    [ -n "$holder" ] && track_pid "$holder"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "the holder keeps no descriptor of its caller's but stdio on /dev/null, nor its directory" {
    # Before, a pipe the caller left open (9>&1 here, bats' own fd 3, make's
    # jobserver) stayed open in the holder for the whole hold, and its
    # reader waited for it.
    mkdir "$BATS_TEST_TMPDIR/wd"
    port=$(cd "$BATS_TEST_TMPDIR/wd" && pp pick --range 20000-24000 $$ 7 9>"$BATS_TEST_TMPDIR/nine")
    holder=$(pgrep -nf "pick --range 20000-24000 $$ 7" | head -1)
    [ -n "$holder" ]
    track_pid "$holder"
    fds=$(ls -l "/proc/$holder/fd" | awk 'NR > 1 { print $9, $11 }')
    echo "$fds"
    [ "$(readlink "/proc/$holder/cwd")" = / ]
    refute grep -q "nine" <<<"$fds"
    # stdio on /dev/null, then only the held sockets (two, dual-stack, or
    # four where IPv6 is off).
    [ "$(grep -c '^[012] /dev/null$' <<<"$fds")" -eq 3 ]
    [ "$(grep -vc '^[012] /dev/null$' <<<"$fds")" -eq "$(grep -c 'socket:' <<<"$fds")" ]
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "a held port is never picked by another picker" {
    port=$(pp pick --range 20000-24000 $$ 5)
    track_pid "$(pgrep -nf "pick --range 20000-24000 $$ 5" | head -1)"
    for _ in $(seq 5); do
        run pp pick --range "$port-$((port + 1))"
        [ "$output" != "$port" ]
    done
}

@test "the consumer that sets SO_REUSEADDR binds a held port at once, and the hold ends" {
    needs_linux_mechanism sockdiag
    port=$(pp pick $$ 10)
    holder=$(pgrep -nf "pick $$ 10" | head -1)
    track_pid "$holder"
    hold_socket consumer "$port"
    for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.02; done
    refute kill -0 "$holder" 2>/dev/null
    run pp check --listening "$port"
    [ "$status" -eq 0 ]
}

@test "a consumer without SO_REUSEADDR cannot bind a held port" {
    port=$(pp pick $$ 10)
    track_pid "$(pgrep -nf "pick $$ 10" | head -1)"
    run "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" consumer-plain "$port" 0
    [ "$status" -eq 1 ]
    [[ "$output" == *"Address already in use"* ]]
}

@test "the hold ends by itself after BIND_TIMEOUT" {
    port=$(pp pick $$ 0.3)
    holder=$(pgrep -nf "pick $$ 0.3" | head -1)
    track_pid "$holder"
    sleep 0.6
    for _ in $(seq 50); do kill -0 "$holder" 2>/dev/null || break; sleep 0.02; done
    run pp check "$port"
    [ "$status" -eq 0 ]
}

# fenced OPTION...: pick OPTION... $$ 3 keeps even the SO_REUSEADDR consumer
# out until the hold ends. 3 s outlasts a slow Python start on a loaded
# machine; the second try waits for the holder to be gone rather than for a
# fixed time.
fenced() {
    port=$(pp pick "$@" $$ 3)
    holder=$(pgrep -nf "pick ${*:+$* }$$ 3" | head -1)
    track_pid "$holder"
    run "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" consumer "$port" 0
    [ "$status" -eq 1 ]
    [[ "$output" == *"Address already in use"* ]]
    for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
    run "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" consumer "$port" 0
    [ "$status" -eq 0 ]
}

@test "pick --fence keeps even the SO_REUSEADDR consumer out until the timeout" {
    fenced --fence
}

@test "where a hold cannot hand over (no sock_diag), it fences without --fence" {
    needs_fallback sockdiag
    fenced
}

@test "pick --tcp -4 probes only TCP over IPv4" {
    port=$(pp pick)
    hold_socket udp4 "$port"
    run pp pick --tcp -4 --range "$port"
    [ "$status" -eq 0 ]
    [ "$output" -eq "$port" ]
    run pp pick --range "$port"
    [ "$status" -eq 4 ]
}

@test "pick --udp -6 probes only UDP over IPv6" {
    need_ipv6
    port=$(pp pick)
    hold_socket tcp6-listen "$port"
    run pp pick --udp -6 --range "$port"
    [ "$status" -eq 0 ]
    [ "$output" -eq "$port" ]
    run pp pick -6 --range "$port"
    [ "$status" -eq 4 ]
}

@test "pick --host probes one address only" {
    port=$(pp pick)
    hold_socket tcp4-listen-lo "$port"
    run pp pick --host 127.0.0.2 --range "$port"
    [ "$status" -eq 0 ]
    run pp pick --host 127.0.0.1 --range "$port"
    [ "$status" -eq 4 ]
}

@test "pick with PORTSERVER_ADDRESS set to no server fails with exit 7, never silently local" {
    local addr
    addr=$(new_address)
    PORTSERVER_ADDRESS=$addr run --separate-stderr pp pick
    [ "$status" -eq 7 ]
    [ -z "$output" ]
    # Nobody listens on an abstract name; a socket path is not there.
    [ "$stderr" = "portpicker pick: no port server at $addr (Connection refused)" ] ||
        [ "$stderr" = "portpicker pick: no port server at $addr (No such file or directory)" ]
}

@test "pick as pid 1 of a pid namespace, no PID given, says its parent is out of sight (exit 2)" {
    unshare --pid --fork true 2>/dev/null || skip "cannot create a pid namespace here (needs root)"
    # Before: "pid 0 is out of range" for a PID the user never gave.
    run --separate-stderr unshare --pid --fork "$PORTPICKER" pick --server @pp-none-$$
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "portpicker pick: no owner for the lease: the parent process is outside this pid namespace; name one (pick PID)" ]
}

@test "an empty PORTSERVER_ADDRESS means no server, as in python_portpicker" {
    PORTSERVER_ADDRESS= run --separate-stderr pp pick
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    [ -z "$stderr" ]
}

@test "pick --env NAME... picks locally too, one NAME_PORT line per name" {
    run pp pick --env WEB DB
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^WEB_PORT=[0-9]+$ ]]
    [[ "${lines[1]}" =~ ^DB_PORT=[0-9]+$ ]]
    [ "${lines[0]#*=}" != "${lines[1]#*=}" ]
    eval "$output"
    run pp check "$WEB_PORT" "$DB_PORT"
    [ "$status" -eq 0 ]
}

@test "pick -n reports running out of file descriptors with exit 3, printing nothing" {
    # Under ASan, LeakSanitizer needs a free fd at exit to read /proc; pick
    # may die with none left (two sockets a port), so leaks are not checked.
    run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        bash -c "ulimit -Sn 64; ulimit -Hn 64; exec \"$PORTPICKER\" pick -n 100"
    [ "$status" -eq 3 ]
    [ -z "$output" ]
    [[ "$stderr" == "portpicker pick: "* ]]
    ends_with_emfile "$stderr"
}

@test "pick -n writes all its ports through a short write (a reader stopped and continued)" {
    # A pipe of 4096 bytes holds 682 of 1000 ports; the write blocks, and
    # SIGSTOP then SIGCONT end it early with what was written. Before, that
    # short write was exit 3 with 4096 bytes out, the last port cut.
    run "$PYTHON" -c '
import fcntl, os, signal, subprocess, sys, termios, time, struct
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
p = subprocess.Popen([sys.argv[1], "pick", "-n", "1000"], stdout=w,
                     stderr=subprocess.DEVNULL)  # the POSIX build warns
os.close(w)
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    n = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0" * 4))[0]
    if n >= 4096:
        break
    time.sleep(0.01)
time.sleep(0.1)
os.kill(p.pid, signal.SIGSTOP)
time.sleep(0.1)
os.kill(p.pid, signal.SIGCONT)
out = b""
while True:
    b = os.read(r, 65536)
    if not b:
        break
    out += b
lines = out.decode().split("\n")
print(p.wait(), len(lines) - 1, all(l.isdigit() for l in lines[:-1]), lines[-1] == "")
' "$PORTPICKER"
    [ "$status" -eq 0 ]
    [ "$output" = "0 1000 True True" ]
}

@test "pick reports a full disk by its errno, exit 3" {
    unshare --mount true 2>/dev/null || skip "cannot create a mount namespace here (needs root)"
    run --separate-stderr unshare --mount bash -c '
        mount -t tmpfs -o size=4k tmpfs "$1" || exit 90
        "$0" pick -n 1000 > "$1/out"' "$PORTPICKER" "$BATS_TEST_TMPDIR"
    [ "$status" -ne 90 ] || skip "cannot mount a tmpfs here"
    [ "$status" -eq 3 ]
    # (the last line: the POSIX build warns of its ephemeral range first)
    [ "${stderr##*$'\n'}" = "portpicker pick: writing the ports: No space left on device" ]
}

@test "pick --env takes its NAMEs before or after the option" {
    run pp pick WEB --env DB
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^WEB_PORT=[0-9]+$ ]]
    [[ "${lines[1]}" =~ ^DB_PORT=[0-9]+$ ]]
}

@test "the hold does not listen: it is invisible in /proc/net/tcp" {
    # Off Linux's sock_diag the hold fences: it listens (docs/platforms.md).
    needs_linux_mechanism sockdiag
    port=$(pp pick $$ 5)
    track_pid "$(pgrep -nf "pick $$ 5")"
    hex=$(printf '%04X' "$port")
    # The local address column only: another test's connection may have
    # the port as its remote one.
    refute awk -v p=":$hex" 'substr($2, length($2) - 4) == p { found = 1 }
                             END { exit !found }' /proc/net/tcp /proc/net/tcp6
    run pp check "$port"
    [ "$status" -eq 1 ]
}
