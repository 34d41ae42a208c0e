#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pick, release and check against real servers: ours, and Debian's
# portserver.py (python3-portpicker).

load helpers
load serve_helpers

setup() { unset PORTSERVER_ADDRESS; }

@test "pick gets its port from our server, leased to the given pid" {
    start_owner
    start_server --pool 22000-22009
    PORTSERVER_ADDRESS=$ADDR run pp pick "$OWNER"
    [ "$status" -eq 0 ]
    in_pool "$output" 22000 22009
    [ "$(counter leases-held)" -eq 1 ]
}

@test "20 concurrent picks through our server never repeat a port" {
    start_owner
    start_server --pool 22010-22039
    pickers=()
    for i in $(seq 20); do
        PORTSERVER_ADDRESS=$ADDR "$PORTPICKER" pick "$OWNER" >"$BATS_TEST_TMPDIR/pick.$i" &
        pickers+=($!)
    done
    for pid in "${pickers[@]}"; do wait "$pid"; done
    cat "$BATS_TEST_TMPDIR"/pick.* > "$BATS_TEST_TMPDIR/all"
    [ "$(wc -l < "$BATS_TEST_TMPDIR/all")" -eq 20 ]
    [ "$(sort -u "$BATS_TEST_TMPDIR/all" | wc -l)" -eq 20 ]
    while read -r port; do in_pool "$port" 22010 22039; done < "$BATS_TEST_TMPDIR/all"
}

@test "a full pool on our server is exit 6, and nothing is picked locally" {
    start_owner
    start_server --pool 22040-22040
    PORTSERVER_ADDRESS=$ADDR run pp pick "$OWNER"
    [ "$status" -eq 0 ]
    PORTSERVER_ADDRESS=$ADDR run --separate-stderr pp pick "$OWNER"
    [ "$status" -eq 6 ]
    [ -z "$output" ]
}

@test "pick works unmodified against Debian's portserver.py" {
    start_reference 22050-22052
    start_owner
    seen=()
    for _ in 1 2 3; do
        port=$(PORTSERVER_ADDRESS=$ADDR pp pick "$OWNER")
        in_pool "$port" 22050 22052
        seen+=("$port")
    done
    [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" -eq 3 ]
    PORTSERVER_ADDRESS=$ADDR run --separate-stderr pp pick "$OWNER"
    [ "$status" -eq 6 ]
}

@test "check --server-up sees Debian's portserver.py as a legacy server" {
    start_reference 22060-22061
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 0 ]
    [ "$output" = "port server at $ADDR is up: legacy server (answers pids only)" ]
}

@test "an answer that cannot be written (stdout full) is exit 3 with one line saying so, never a silent exit 0" {
    [ -w /dev/full ] || skip "no /dev/full to write to"
    start_owner
    start_server --pool 21900-21909
    [ -n "$(pp pick -s "$ADDR" -n 1 "$OWNER")" ]
    local args
    for args in "check 15000" "check --server-up -s $ADDR" "check --leases -s $ADDR" \
                "check --leases --json -s $ADDR" "check --metrics -s $ADDR" --features; do
        # shellcheck disable=SC2086 # each case is its words
        run --separate-stderr sh -c '"$@" >/dev/full' sh "$PORTPICKER" $args
        echo "$args: $status: $stderr"
        [ "$status" -eq 3 ]
        [ "${#stderr_lines[@]}" -eq 1 ]
        [[ "$stderr" == "portpicker"*": writing the "*": No space left on device" ]]
    done
}

@test "a port the server grants outside --range or in --exclude is said on stderr: a server picks from its own pool" {
    start_owner
    start_server --pool 21910-21913
    # within them, nothing is said
    run --separate-stderr pp pick -s "$ADDR" -r 21910-21913 -x 30000 "$OWNER"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    run --separate-stderr pp pick -s "$ADDR" -n 2 -r 30000-30010 "$OWNER"
    [ "$status" -eq 0 ]
    [ "$stderr" = "portpicker pick: 2 of the ports the port server at $ADDR granted (${lines[0]} first) are outside --range or in --exclude: a server picks from its own pool" ]
    run --separate-stderr pp pick -s "$ADDR" -x 21910-21913 "$OWNER"
    [ "$status" -eq 0 ]
    [ "$stderr" = "portpicker pick: 1 of the ports the port server at $ADDR granted ($output first) are outside --range or in --exclude: a server picks from its own pool" ]
}
