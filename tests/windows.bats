#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# windows.bats: portpicker.exe (make windows) under Wine, run by make
# test-windows with PORTPICKER=tests/wine-portpicker. The holders are Linux
# processes (tests/sockets.py): Wine's Winsock binds through the Linux
# kernel, so these tests prove the probe's calls and their error mapping,
# not Windows' own bind rules (docs/platforms.md, "Windows"). Not tested
# here: a TCP socket bound with SO_REUSEADDR and not listening, which
# wineserver's own SO_REUSEADDR on every TCP bind cannot see.

load helpers

setup() {
    [ -n "${WINE+set}" ] ||
        skip "portpicker.exe under wine64: make test-windows runs these"
    [ -n "$WINE" ] && [ -x "$WINE" ] ||
        skip "wine64 is not installed (apt-get install wine64)"
    [ -n "${PORTPICKER_EXE:-}" ] && [ -f "$PORTPICKER_EXE" ] ||
        skip "no portpicker.exe (make windows)"
}

# pipe_server MODE: tests/pipe_server.c (build/pipe_server.exe) under Wine
# on a fresh pipe, its name in $PIPE; the requests it got go to $PIPE_LOG.
pipe_server() {
    [ -n "${PIPE_SERVER:-}" ] && [ -f "$PIPE_SERVER" ] ||
        skip "no build/pipe_server.exe (make build/pipe_server.exe)"
    PIPE=pp$$_$RANDOM
    PIPE_LOG=$BATS_TEST_TMPDIR/$PIPE.log
    "$WINE" "$PIPE_SERVER" "$PIPE" "$1" >"$PIPE_LOG" 2>&1 &
    track_pid $!
    for _ in $(seq 250); do
        grep -q . "$PIPE_LOG" 2>/dev/null && break
        sleep 0.02
    done
    grep -qx ready "$PIPE_LOG" || { echo "pipe_server: $(cat "$PIPE_LOG")"; return 1; }
}

# A port outside the default range that nothing holds, for the holders.
holder_port() { pp pick --range 30000-34999; }

@test "windows: the binary is a PE32+ x86-64 console program" {
    run file -b "$PORTPICKER_EXE"
    [[ "$output" == "PE32+ executable (console) x86-64"* ]]
}

@test "windows: pick prints one port of the default range, ending in a bare newline" {
    out=$("$PORTPICKER" pick | od -An -c | tr -d ' \n')
    [[ "$out" =~ ^[0-9]+\\n$ ]]
    port=$("$PORTPICKER" pick)
    [ "$port" -ge 15000 ] && [ "$port" -le 24999 ]
}

@test "windows: pick -n 5 --range gives five distinct ports of the range" {
    run "$PORTPICKER" pick -n 5 --range 30000-30004
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort -u | tr '\n' ' ')" = "30000 30001 30002 30003 30004 " ]
}

@test "windows: the dynamic range 49152-65535 is left out of pick" {
    run "$PORTPICKER" pick --range 49152-65535
    [ "$status" -eq 4 ]
    run "$PORTPICKER" pick -n 2 --range 49150-49160
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "49150 49151 " ]
}

@test "windows: pick's bad input is exit 2 with one line naming it" {
    run "$PORTPICKER" pick --range 10-5
    [ "$status" -eq 2 ]
    [ "$output" = "portpicker pick: --range: '10-5' is inverted (low end above high end)" ]
    run "$PORTPICKER" pick --count 0
    [ "$status" -eq 2 ]
    [[ "$output" == "portpicker pick: --count"* ]]
    run "$PORTPICKER" pick --no-such-option
    [ "$status" -eq 2 ]
    [[ "$output" == *"--no-such-option"* ]]
    run -127 "$PORTPICKER" no-such-applet
    [ "$output" = "portpicker: unknown applet 'no-such-applet' (see 'portpicker --help')" ]
}

@test "windows: pick PID BIND_TIMEOUT is refused with exit 2, and --help says so" {
    run "$PORTPICKER" pick $$ 5
    [ "$status" -eq 2 ]
    [ "$output" = "portpicker pick: BIND_TIMEOUT: holding the port after printing it needs fork (a detached child keeps the sockets): not available on Windows" ]
    run "$PORTPICKER" pick --help
    [[ "$output" == *"not available on Windows: exit 2"* ]]
}

@test "windows: check says free (exit 0) for a port nothing holds" {
    port=$(holder_port)
    run "$PORTPICKER" check "$port"
    [ "$status" -eq 0 ]
    [ "$output" = "$port free" ]
}

@test "windows: check finds each Linux holder, TCP and UDP, IPv4 and IPv6 (exit 1)" {
    for kind in tcp4-listen-lo tcp6-listen-lo tcp4-listen tcp6-listen tcp-bound \
                udp4 udp6 udp4-reuse; do
        port=$(holder_port)
        hold_socket "$kind" "$port"
        run "$PORTPICKER" check "$port"
        [ "$status" -eq 1 ] || { echo "$kind: $status $output"; return 1; }
        [[ "$output" == "$port in use ("* ]] || { echo "$kind: $output"; return 1; }
        stop_tracked
        TRACKED_PIDS=()
    done
}

@test "windows: check --tcp -4 and --udp -6 look only where asked" {
    port=$(holder_port)
    hold_socket udp6 "$port"
    run "$PORTPICKER" check --tcp -4 "$port"
    [ "$status" -eq 0 ]
    run "$PORTPICKER" check --udp -6 "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (udp on ::)" ]
}

@test "windows: check --listening sees a Linux listener on 127.0.0.1 and ::1" {
    port=$(holder_port)
    run "$PORTPICKER" check -l "$port"
    [ "$status" -eq 1 ]
    hold_socket tcp4-listen-lo "$port"
    run "$PORTPICKER" check -l "$port"
    [ "$status" -eq 0 ]
    port=$(holder_port)
    hold_socket tcp6-listen-lo "$port"
    run "$PORTPICKER" check -l "$port"
    [ "$status" -eq 0 ]
}

@test "windows: pick never hands out a port a Linux process holds" {
    port=$(holder_port)
    hold_socket udp4 "$port"
    run "$PORTPICKER" pick --range "$port"
    [ "$status" -eq 4 ]
}

@test "windows: serve and run refuse with exit 2 and one line saying what they need" {
    run "$PORTPICKER" serve
    [ "$status" -eq 2 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "portpicker serve: the port server needs Linux"* ]]
    run "$PORTPICKER" run -- cmd
    [ "$status" -eq 2 ]
    [ "${#lines[@]}" -eq 1 ]
    [ "$output" = "portpicker run: run needs exec and inherited fd numbers (socket activation): not available on Windows" ]
}

@test "windows: release without a server address is exit 7" {
    run env -u PORTSERVER_ADDRESS "$PORTPICKER" release 15000
    [ "$status" -eq 7 ]
}

@test "windows: PORTSERVER_ADDRESS=@NAME picks through the named pipe \\\\.\\pipe\\NAME (legacy request)" {
    pipe_server ok
    PORTSERVER_ADDRESS=@$PIPE run "$PORTPICKER" pick 4242
    [ "$status" -eq 0 ]
    [ "$output" = 20000 ]
    [ "$(sed -n 2p "$PIPE_LOG")" = 4242 ]
}

@test "windows: pick -s @NAME -n 3 and release -s @NAME speak v1 over the pipe" {
    pipe_server ok
    run "$PORTPICKER" pick -s "@$PIPE" -n 3 4242
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "20001 20002 20003" ]
    run "$PORTPICKER" release -s "@$PIPE" 20001 20002
    [ "$status" -eq 0 ]
    [ "$(sed -n '2,$p' "$PIPE_LOG" | tr '\n' '|')" = "v1 pick 4242 3|v1 release 20001 20002|" ]
}

@test "windows: a pipe server that closes without a reply is a refusal (exit 6)" {
    pipe_server close
    run "$PORTPICKER" pick -s "@$PIPE" 4242
    [ "$status" -eq 6 ]
    [[ "$output" == *"refused"* ]]
}

@test "windows: a pipe server that never answers is exit 8 within --timeout" {
    pipe_server silent
    start=$(date +%s%N)
    run "$PORTPICKER" pick -s "@$PIPE" -t 1 4242
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$status" -eq 8 ]
    [ "$output" = "portpicker pick: no answer from the port server at @$PIPE within 1 s (at read)" ]
    [ "$elapsed" -lt 4000 ]
}

@test "windows: no pipe of that name is exit 7; a socket path is refused naming @NAME" {
    run "$PORTPICKER" pick -s @no_such_pipe_here 4242
    [ "$status" -eq 7 ]
    [ "$output" = 'portpicker pick: no port server at @no_such_pipe_here (no pipe \\.\pipe\no_such_pipe_here)' ]
    run "$PORTPICKER" pick -s /tmp/portpicker.sock 4242
    [ "$status" -eq 3 ]
    [[ "$output" == *"is not a named pipe: on Windows a port server address is @NAME"* ]]
}
