#!/usr/bin/env bats
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

@test "pick --prefer with a port server says the server leases from its pool" {
    start_owner
    start_server --pool 24280-24289
    run --separate-stderr pp pick -s "$ADDR" --prefer 24230 "$OWNER"
    [ "$status" -eq 0 ]
    in_pool "$output" 24280 24289
    [[ "$stderr" == *"--prefer: the port server leases from its pool only"* ]]
}

@test "pick --prefer refuses a value that is not a port" {
    run pp pick --prefer 3000,http
    [ "$status" -eq 2 ]
    [[ "$output" == *"--prefer: 'http'"* ]]
    run pp pick --prefer 3000,
    [ "$status" -eq 2 ]
}
