#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The multicall binary: applets by argument and by link name.

load helpers

@test "portpicker --help lists every applet and exits 0" {
    run pp --help
    [ "$status" -eq 0 ]
    # every NAME_main of applets/applets.h, none missing, none extra
    diff <(sed -nE 's/^int ([a-z]+)_main\(.*/\1/p' "$BATS_TEST_DIRNAME/../applets/applets.h" | sort) \
        <(table_applets | sort)
}

@test "portpicker with no applet prints usage on stderr and exits 2" {
    run --separate-stderr pp
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == *"usage: portpicker APPLET"* ]]
}

@test "an unknown applet names itself and exits 127" {
    run -127 --separate-stderr pp frobnicate
    [ "$status" -eq 127 ]
    [ "$stderr" = "portpicker: unknown applet 'frobnicate' (see 'portpicker --help')" ]
}

@test "a link named after an applet runs that applet" {
    ln -s "$PORTPICKER" "$BATS_TEST_TMPDIR/pick"
    ln -s "$PORTPICKER" "$BATS_TEST_TMPDIR/check"
    run --separate-stderr "$BATS_TEST_TMPDIR/pick"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    run "$BATS_TEST_TMPDIR/check" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: portpicker check"* ]]
}

@test "errors through a link still name the applet" {
    ln -s "$PORTPICKER" "$BATS_TEST_TMPDIR/pick"
    run --separate-stderr "$BATS_TEST_TMPDIR/pick" --nope
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker pick: unknown option '--nope' (see --help)" ]
}

@test "without any server address, release, check --server-up and check --leases all exit 7" {
    unset PORTSERVER_ADDRESS
    for words in "release 15000" "check --server-up" "check --leases"; do
        run --separate-stderr pp $words
        [ "$status" -eq 7 ]
        [ "$stderr" = "portpicker ${words%% *}: no port server: set PORTSERVER_ADDRESS or use --server ADDR" ]
        [ -z "$output" ]
    done
}

@test "off Linux, serve says in one line that the server needs Linux, and why, exit 2" {
    needs_fallback serve
    for words in "serve" "serve --help" "serve -a /tmp/x.sock"; do
        run --separate-stderr pp $words
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = "portpicker serve: the port server needs Linux (it watches each lease's owner with pidfd, epoll and /proc): this build has the client applets only" ]
    done
}

@test "every applet answers --help and -h on stdout with exit 0" {
    for applet in $(built_applets $(table_applets)); do
        for opt in --help -h; do
            run --separate-stderr pp "$applet" $opt
            [ "$status" -eq 0 ]
            [[ "$output" == "usage: portpicker $applet"* ]]
            [ -z "$stderr" ]
        done
    done
}

@test "every applet answers --version and -V with portpicker's version" {
    version=$(pp --version)
    for applet in $(built_applets $(table_applets)); do
        for opt in --version -V; do
            run --separate-stderr pp "$applet" $opt
            [ "$status" -eq 0 ]
            [ "$output" = "$version" ]
        done
    done
}

@test "--help and --version work after other options, and take no value" {
    run pp pick -n 2 --version
    [ "$status" -eq 0 ]
    [ "$output" = "$(pp --version)" ]
    run --separate-stderr pp check --help=yes
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker check: option '--help' takes no value (got 'yes')" ]
}

@test "portpicker -V, version and --version print the same line" {
    for words in -V version --version; do
        run pp $words
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^portpicker\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    done
}

@test "portpicker help and -h print the same as --help" {
    want=$(pp --help)
    for words in help -h; do
        run --separate-stderr pp $words
        [ "$status" -eq 0 ]
        [ "$output" = "$want" ]
    done
}

@test "portpicker help APPLET prints that applet's --help" {
    for applet in $(built_applets $(table_applets)); do
        run pp help "$applet"
        [ "$status" -eq 0 ]
        [ "$output" = "$(pp "$applet" --help)" ]
    done
}

@test "portpicker help with an unknown applet exits 127, with two applets 2" {
    run -127 --separate-stderr pp help frobnicate
    [ "$stderr" = "portpicker: unknown applet 'frobnicate' (see 'portpicker --help')" ]
    run --separate-stderr pp help pick check
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker: too many arguments: 'check' (help takes one APPLET at most)" ]
}

@test "an unknown option before any applet is a usage error" {
    run --separate-stderr pp --frobnicate
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker: unknown option '--frobnicate' (see --help)" ]
}

@test "portpicker PID prints a port, as python_portpicker's CLI does" {
    run --separate-stderr pp $$
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    [ "$output" -ge 15000 ] && [ "$output" -le 24999 ]
}

@test "portpicker PID BIND_TIMEOUT holds the port, as pick does" {
    port=$(pp $$ 5)
    holder=$(pgrep -nf " $$ 5\$" | head -1)
    [ -n "$holder" ] && track_pid "$holder"
    run pp check "$port"
    [ "$status" -eq 1 ]
}

@test "portpicker with a bad PID is pick's usage error" {
    run --separate-stderr pp 12x
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker pick: PID: '12x' is not a whole number" ]
}

@test "the binary is statically linked" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "sanitizer builds are dynamic"
    command -v file >/dev/null || skip "file(1) is not installed"
    run file -L "$PORTPICKER"
    [[ "$output" == *"statically linked"* ]]
}
