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

# netsh answers as on a real Windows (tests/fake_netsh.c, FAKE_NETSH says
# how): portpicker.exe runs the system directory's netsh.exe, and Wine's
# own prints nothing for its questions, so every pick would warn.
setup_file() {
    [ -n "${WINE:-}" ] && [ -n "${WINEPREFIX:-}" ] && [ -f "${FAKE_NETSH_EXE:-}" ] ||
        return 0
    cp "$FAKE_NETSH_EXE" "$WINEPREFIX/drive_c/windows/system32/netsh.exe"
    export WINEDLLOVERRIDES=netsh.exe=n
}

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

# netsh_says MODE: the fake netsh answers as tests/fake_netsh.c's MODE.
netsh_says() {
    [ -f "${FAKE_NETSH_EXE:-}" ] ||
        skip "no build/fake_netsh.exe (make build/fake_netsh.exe)"
    export FAKE_NETSH=$1
}

# The netsh.exe processes still running in this test's Wine prefix.
netsh_left() {
    local pid
    for pid in $(pgrep -f 'netsh\.exe'); do
        # One that ended since pgrep saw it has no environ left to read.
        tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
            grep -qxF "WINEPREFIX=$WINEPREFIX" && echo "$pid"
    done
    return 0
}

# wine_pick ARGS: run portpicker pick ARGS; again (at most twice more) when
# Wine failed to start netsh with its internal error 1359, which it does
# now and then with four netsh started at once. Windows' answer to that is
# the safe fallback the netsh tests check on purpose; here it is noise.
wine_pick() {
    local try
    for try in 1 2 3; do
        run "$PORTPICKER" pick "$@"
        [[ "$output" == *"cannot start it (error 1359)"* ]] || return 0
        echo "# wine could not start netsh (error 1359), try $try: pick runs again" >&3
    done
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
    wine_pick -n 5 --range 30000-30004
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort -u | tr '\n' ' ')" = "30000 30001 30002 30003 30004 " ]
}

@test "windows: the dynamic range 49152-65535 is left out of pick" {
    wine_pick --range 49152-65535
    [ "$status" -eq 4 ]
    wine_pick -n 2 --range 49150-49160
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "49150 49151 " ]
}

@test "windows: pick's bad input is exit 2 with one line naming it" {
    wine_pick --range 10-5
    [ "$status" -eq 2 ]
    [ "$output" = "portpicker pick: --range: '10-5' is inverted (low end above high end)" ]
    wine_pick --count 0
    [ "$status" -eq 2 ]
    [[ "$output" == "portpicker pick: --count"* ]]
    wine_pick --no-such-option
    [ "$status" -eq 2 ]
    [[ "$output" == *"--no-such-option"* ]]
    run -127 "$PORTPICKER" no-such-applet
    [ "$output" = "portpicker: unknown applet 'no-such-applet' (see 'portpicker --help')" ]
}

@test "windows: pick PID BIND_TIMEOUT returns at once; a detached portpicker.exe holds the port until the timeout" {
    start=$(date +%s%N)
    port=$("$PORTPICKER" pick $$ 5)
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [[ "$port" =~ ^[0-9]+$ ]]
    [ "$elapsed" -lt 5000 ]
    # Another portpicker.exe is refused with WSAEACCES: in use, not an error.
    run "$PORTPICKER" check "$port"
    [ "$status" -eq 1 ]
    [ "$output" = "$port in use (tcp on ::)" ]
    wine_pick --range "$port"
    [ "$status" -eq 4 ]
    # A fence: a Linux process cannot bind it either.
    run python3 -c "import socket,sys; s=socket.socket(); s.bind(('0.0.0.0', int(sys.argv[1])))" "$port"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Address already in use"* ]]
    while [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 9000 ]; do
        "$PORTPICKER" check -q "$port" && break
        sleep 0.2
    done
    freed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$freed" -ge 5000 ] && [ "$freed" -lt 9000 ]
}

@test "windows: pick --help says a detached portpicker.exe holds the port" {
    wine_pick --help
    [[ "$(echo $output)" == *"on Windows a detached portpicker.exe holds it"* ]]
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
    wine_pick --range "$port"
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
    PORTSERVER_ADDRESS=@$PIPE wine_pick 4242
    [ "$status" -eq 0 ]
    [ "$output" = 20000 ]
    [ "$(sed -n 2p "$PIPE_LOG")" = 4242 ]
}

@test "windows: pick -s @NAME -n 3 and release -s @NAME speak v1 over the pipe" {
    pipe_server ok
    wine_pick -s "@$PIPE" -n 3 4242
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "20001 20002 20003" ]
    run "$PORTPICKER" release -s "@$PIPE" 20001 20002
    [ "$status" -eq 0 ]
    [ "$(sed -n '2,$p' "$PIPE_LOG" | tr '\n' '|')" = "v1 pick 4242 3|v1 release 20001 20002|" ]
}

@test "windows: a pipe server that closes without a reply is a refusal (exit 6)" {
    pipe_server close
    wine_pick -s "@$PIPE" 4242
    [ "$status" -eq 6 ]
    [[ "$output" == *"refused"* ]]
}

@test "windows: a pipe server that never answers is exit 8 within --timeout" {
    pipe_server silent
    start=$(date +%s%N)
    wine_pick -s "@$PIPE" -t 1 4242
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$status" -eq 8 ]
    [ "$output" = "portpicker pick: no answer from the port server at @$PIPE within 1 s (at read)" ]
    [ "$elapsed" -lt 4000 ]
}

@test "windows: no pipe of that name is exit 7; a socket path or a name no pipe can have is exit 2, naming @NAME" {
    wine_pick -s @no_such_pipe_here 4242
    [ "$status" -eq 7 ]
    [ "$output" = 'portpicker pick: no port server at @no_such_pipe_here (no pipe \\.\pipe\no_such_pipe_here)' ]
    wine_pick -s /tmp/portpicker.sock 4242
    [ "$status" -eq 2 ]
    [[ "$output" == "portpicker pick: '/tmp/portpicker.sock' is not a named pipe: on Windows a port server address is @NAME"* ]]
    # a backslash cannot be in a pipe's name; a newline is shown escaped
    wine_pick -s '@a\b' 4242
    [ "$status" -eq 2 ]
    [[ "$output" == "portpicker pick: '@a\\\\b' is not a named pipe"* ]]
    wine_pick -s @$'a\nb' 4242
    [ "$status" -eq 2 ]
    [[ "$output" == "portpicker pick: '@a\nb' is not a named pipe"* ]]
}

@test "windows: pick leaves out the dynamic ranges and excluded port ranges netsh reports, in any language" {
    netsh_says custom
    # TCP dynamic 20000-20999, UDP dynamic 23000-23254; excluded: TCP
    # 15000-15099 and 16000, UDP 17000-17049 and 60000-60099.
    for range in 15000-15099 16000 20000-20999 23000-23254 17000-17049 60000-60099; do
        wine_pick --range "$range"
        [ "$status" -eq 4 ] || { echo "$range: $status $output"; return 1; }
    done
    for pair in 14999-15100 15999-16001 19999-21000 22999-23255 16999-17050; do
        wine_pick -n 2 --range "$pair"
        [ "$status" -eq 0 ]
        [ "$(printf '%s\n' "$output" | sort | tr '\n' -)" = "$pair-" ] ||
            { echo "$pair: $output"; return 1; }
    done
    # The dynamic range moved: 49152-65535 is no longer left out.
    wine_pick --range 60100
    [ "$status" -eq 0 ]
    [ "$output" = 60100 ]
}

@test "windows: pick -n 1000 from the default range never returns a port netsh reports taken" {
    netsh_says custom
    wine_pick -n 1000
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1000 ]
    for port in "${lines[@]}"; do
        if [ "$port" -lt 15000 ] || [ "$port" -gt 24999 ] ||
           { [ "$port" -ge 15000 ] && [ "$port" -le 15099 ]; } ||
           [ "$port" -eq 16000 ] ||
           { [ "$port" -ge 17000 ] && [ "$port" -le 17049 ]; } ||
           { [ "$port" -ge 20000 ] && [ "$port" -le 20999 ]; } ||
           { [ "$port" -ge 23000 ] && [ "$port" -le 23254 ]; }; then
            echo "picked $port"
            return 1
        fi
    done
}

@test "windows: with Windows' defaults from netsh, 49152-65535 and the runner's exclusions are left out, silently" {
    netsh_says default
    wine_pick -n 2 --range 47000-47002
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "47000 47002 " ]
    wine_pick --range 5986
    [ "$status" -eq 4 ]
    wine_pick --range 49152-65535
    [ "$status" -eq 4 ]
    [ "$output" = "portpicker pick: no port left to pick in 49152-65535 once excludes, the ephemeral range and reserved ports are left out" ]
    netsh_says none
    wine_pick --range 47001
    [ "$status" -eq 0 ]
    [ "$output" = 47001 ]
}

@test "windows: netsh failing falls back to 49152-65535 with one warning, and never to 'no exclusions'" {
    unknown="the excluded port ranges are not known (a port in one cannot be bound)"
    for mode in empty:"output not understood" garbage:"output not understood" \
                badrange:"output not understood" fail:"exit 1" \
                flood:"more than 32767 bytes of output"; do
        netsh_says "${mode%%:*}"
        wine_pick --range 49152-65535
        [ "$status" -eq 4 ] || { echo "$mode: $status $output"; return 1; }
        [ "${lines[0]}" = "portpicker pick: netsh int ipv4 show dynamicport tcp: ${mode#*:}; Windows' default dynamic range 49152-65535 is left out instead, and $unknown" ] ||
            { echo "$mode: $output"; return 1; }
        [ "${#lines[@]}" -eq 2 ]
        wine_pick --range 15000
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        [ "${lines[1]}" = 15000 ]
    done
}

@test "windows: an exclusion row netsh printed that is not understood is warned about; the rest read is kept" {
    netsh_says badexcl
    wine_pick --range 20000-20999
    [ "$status" -eq 4 ]
    wine_pick --range 60100
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "portpicker pick: netsh int ipv4 show excludedportrange protocol=tcp: output not understood; the excluded port ranges are not known (a port in one cannot be bound)" ]
    [ "${lines[1]}" = 60100 ]
    [ "${#lines[@]}" -eq 2 ]
}

@test "windows: a netsh that never answers is ended after 3 s, and pick goes on with the defaults" {
    netsh_says hang
    out=$BATS_TEST_TMPDIR/out
    start=$(date +%s%N)
    # Into a file, not run's pipe: a netsh left running would hold that open.
    "$PORTPICKER" pick --range 49151-49152 >"$out" 2>&1 </dev/null 3>&- && status=0 || status=$?
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    for _ in $(seq 100); do
        left=$(netsh_left)
        [ -n "$left" ] || break
        sleep 0.02
    done
    [ -z "$left" ] || { kill $left; echo "netsh left running: $left"; return 1; }
    [ "$status" -eq 0 ]
    [ "$(sed -n 1p "$out")" = "portpicker pick: netsh int ipv4 show dynamicport tcp: no answer within 3 s; Windows' default dynamic range 49152-65535 is left out instead, and the excluded port ranges are not known (a port in one cannot be bound)" ]
    [ "$(sed -n '2,$p' "$out")" = 49151 ]
    [ "$elapsed" -ge 2900 ] && [ "$elapsed" -lt 10000 ]
}

@test "windows: pick --help says the dynamic and excluded port ranges netsh reports are left out" {
    wine_pick --help
    [[ "$(echo $output)" == *"Windows: the dynamic and excluded port ranges netsh reports"* ]]
}
