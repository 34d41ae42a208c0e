#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Side by side with python_portpicker (Debian's python3-portpicker): where we
# match it and where we knowingly do better.

load helpers

setup() {
    unset PORTSERVER_ADDRESS
    /usr/bin/python3 -c 'import portpicker' 2>/dev/null ||
        skip "Debian's python3-portpicker is not installed (apt-get install python3-portpicker)"
}

# python_is_free PORT: python_portpicker's own probe; prints True or False.
python_is_free() {
    /usr/bin/python3 -c 'import portpicker, sys; print(bool(portpicker.is_port_free(int(sys.argv[1]))))' "$1"
}

@test "both call a free port free and a listening port in use" {
    port=$(pp pick)
    [ "$(python_is_free "$port")" = True ]
    run pp check "$port"; [ "$status" -eq 0 ]
    hold_socket tcp4-listen "$port"
    [ "$(python_is_free "$port")" = False ]
    run pp check "$port"; [ "$status" -eq 1 ]
}

@test "a UDP socket with SO_REUSEADDR: python_portpicker says free, we say in use" {
    port=$(pp pick); hold_socket udp4-reuse "$port"
    [ "$(python_is_free "$port")" = True ]
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "a port held by pick: python_portpicker says free, we say in use" {
    needs_linux_mechanism sockdiag
    port=$(pp pick $$ 5)
    track_pid "$(pgrep -nf "pick $$ 5" | head -1)"
    [ "$(python_is_free "$port")" = True ]
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "python_portpicker's hold fences out its consumer; ours lets it in" {
    needs_linux_mechanism sockdiag
    port=$(/usr/bin/python3 -m portpicker $$ 3)
    if pp check -q "$port"; then
        skip "this python_portpicker has no BIND_TIMEOUT hold (added in 1.6.0; Debian 12 ships 1.5.2)"
    fi
    run "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" consumer "$port" 0
    [ "$status" -eq 1 ]
    port=$(pp pick $$ 3)
    track_pid "$(pgrep -nf "pick $$ 3" | head -1)"
    run "$PYTHON" "$BATS_TEST_DIRNAME/sockets.py" consumer "$port" 0
    [ "$status" -eq 0 ]
}

@test "both take the same CLI: PID then BIND_TIMEOUT, and print only the port" {
    # python_portpicker before 1.6.0 ignores BIND_TIMEOUT; it must still accept it.
    run /usr/bin/python3 -m portpicker $$ 0
    [ "$status" -eq 0 ]; [[ "$output" =~ ^[0-9]+$ ]]
    run pp pick $$ 0
    [ "$status" -eq 0 ]; [[ "$output" =~ ^[0-9]+$ ]]
}

@test "a bad PID: python_portpicker prints a traceback, we print one line and exit 2" {
    run --separate-stderr /usr/bin/python3 -m portpicker abc
    [ "$status" -ne 0 ]
    [[ "$stderr" == *Traceback* ]]
    run --separate-stderr pp pick abc
    [ "$status" -eq 2 ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}
