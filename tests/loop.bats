#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The server's event loop (serve/loop.c), driven directly by
# tests/loop_test.c: promises a flood of clients could only hit by chance.

load helpers

TOP=$BATS_TEST_DIRNAME/..

setup() { build_tool loop_test; }

@test "a socket both readable and writable in one turn of the loop gets both handlers" {
    run "$TOP/build/loop_test" both
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "an fd closed and reused in one turn of the loop never gets its predecessor's event" {
    run "$TOP/build/loop_test" reuse
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "an fd forgotten by the loop and closed, its number reused in the same turn, never gets its predecessor's event" {
    run "$TOP/build/loop_test" reuse-forget
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "a timer runs again after the delay its function returns, and rests on LOOP_DONE" {
    run "$TOP/build/loop_test" timer
    echo "$output"
    [ "$status" -eq 0 ]
}
