#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pick --prefer: a preferred port when it is free, else the usual pick, said
# on stderr.

load helpers
load serve_helpers

setup() { unset PORTSERVER_ADDRESS; }

@test "pick --prefer gives the first preferred port that is free, quietly" {
    hold_socket tcp4-listen 24200
    run --separate-stderr pp pick --prefer 24200,24201,24202
    [ "$status" -eq 0 ]
    [ "$output" = 24201 ]
    [ -z "$stderr" ]
}

@test "a preferred port outside --range is still taken" {
    run pp pick --range 24210-24219 --prefer 24230
    [ "$status" -eq 0 ]
    [ "$output" = 24230 ]
}

@test "pick --prefer falls back to the usual pick and says so when no preferred port is free" {
    hold_socket tcp4-listen 24220
    run --separate-stderr pp pick --range 24221-24229 --prefer 24220
    [ "$status" -eq 0 ]
    in_pool "$output" 24221 24229
    [[ "$stderr" == *"--prefer: no preferred port is free; fell back"* ]]
}

@test "pick -n fills from the preferred ports first, in order, the rest as usual" {
    hold_socket tcp4-listen 24241
    run --separate-stderr pp pick -n 3 --range 24250-24259 --prefer 24240,24241,24242
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 24240 ]
    [ "${lines[1]}" = 24242 ]
    in_pool "${lines[2]}" 24250 24259
    [[ "$stderr" == *"2 preferred ports free for the 3 wanted; fell back"* ]]
}

@test "pick --prefer never gives an excluded port, nor one port twice" {
    run --separate-stderr pp pick -n 2 --range 24260-24269 --prefer 24270,24270,24271 -x 24271
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 24270 ]
    in_pool "${lines[1]}" 24260 24269
}

@test "pick --prefer with a port server leases the preferred port when it is free, quietly" {
    start_owner
    start_server --pool 24280-24289
    run --separate-stderr pp pick -s "$ADDR" --prefer 24287 "$OWNER"
    [ "$status" -eq 0 ]
    [ "$output" = 24287 ]
    [ -z "$stderr" ]
    run raw "v1 leases\n"
    [[ "$output" == *"port=24287 pid=$OWNER "* ]]
}

@test "pick --prefer with a port server falls back, and says so, when the port is leased or outside the pool" {
    start_owner
    local other=$OWNER
    start_owner
    start_server --pool 24400-24409
    [ "$(raw "v1 pick $other 1 prefer=24405\n")" = "ok 24405" ]
    for p in 24405 24230; do
        run --separate-stderr pp pick -s "$ADDR" --prefer "$p" "$OWNER"
        [ "$status" -eq 0 ]
        in_pool "$output" 24400 24409
        [ "$output" != 24405 ]
        [[ "$stderr" == *"--prefer: no preferred port is free and leasable; fell back"* ]]
    done
}

@test "pick -n 2 --prefer with a port server gets both preferred ports, in order" {
    start_owner
    start_server --pool 24410-24419
    run --separate-stderr pp pick -s "$ADDR" -n 2 --prefer 24418,24412 "$OWNER"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 24418 ]
    [ "${lines[1]}" = 24412 ]
    [ -z "$stderr" ]
}

@test "the server skips a preferred port bound by another process and grants the next one" {
    start_owner
    start_server --pool 24420-24429
    hold_socket tcp4-listen 24421
    run --separate-stderr pp pick -s "$ADDR" -n 3 --prefer 24421,24422,24422 "$OWNER"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 24422 ]
    in_pool "${lines[1]}" 24420 24429
    [ "${lines[1]}" != 24421 ]
    [ "${lines[1]}" != 24422 ]
    [[ "$stderr" == *"1 preferred ports free and leasable for the 3 wanted"* ]]
}

@test "pick --prefer with a port server refuses 17 preferred ports before sending" {
    start_server --pool 24430-24439
    run --separate-stderr pp pick -s "$ADDR" --prefer "$(seq -s, 24440 24456)" $$
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"at most 16 (PROTO_MAX_PREFER)"* ]]
    grep -q "bad request\|port .* to pid" "$SERVER_LOG" && return 1
    [ "$(counter client-request-errors)" -eq 0 ]
}

@test "v1 pick with a bad prefer= word gets err bad-request" {
    start_owner
    start_server --pool 24440-24449
    for word in "prefer=" "prefer=0" "prefer=24441," "prefer=x" "prefer=65536" \
                "prefer=$(seq -s, 24440 24456)"; do
        run raw "v1 pick $OWNER 1 $word\n"
        [[ "$output" == "err bad-request "* ]] || { echo "$word -> $output"; return 1; }
    done
    run raw "v1 pick $OWNER 1 prefer=24441 A\n"
    [[ "$output" == "err bad-request "* ]]
    [ "$(raw "v1 pick $OWNER 1 A prefer=24441\n")" = "ok 24441" ]
}

@test "pick --prefer against a legacy server says it cannot honour it and picks as usual" {
    start_reference 24450-24459
    start_owner
    run --separate-stderr pp pick -s "$ADDR" --prefer 24455 "$OWNER"
    [ "$status" -eq 0 ]
    in_pool "$output" 24450 24459
    [[ "$stderr" == *"does not support preferred ports"*"cannot honour"* ]]
}

@test "pick --prefer refuses a value that is not a port" {
    run pp pick --prefer 3000,http
    [ "$status" -eq 2 ]
    [[ "$output" == *"--prefer: 'http'"* ]]
    run pp pick --prefer 3000,
    [ "$status" -eq 2 ]
}

@test "--prefer names the list with an empty entry, and never reads past an entry too long for a port" {
    run -2 pp pick --prefer 24240,,24241
    [ "$output" = "portpicker pick: --prefer: '24240,,24241' has an empty entry" ]
    run -2 pp pick --prefer 24240,
    [ "$output" = "portpicker pick: --prefer: '24240,' has an empty entry" ]
    # an entry longer than any port is refused whole, quoting its start
    zeros=$(printf '0%.0s' $(seq 48))
    run -2 pp pick --prefer "${zeros}15"
    [ "$output" = "portpicker pick: --prefer: '$zeros...' is not a port" ]
}
