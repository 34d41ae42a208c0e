#!/usr/bin/env bats
# The multicall binary: applets by argument and by link name.

load helpers

@test "portpicker --help lists every applet and exits 0" {
    run pp --help
    [ "$status" -eq 0 ]
    for applet in pick check serve release; do
        [[ "$output" == *"  $applet "* ]]
    done
}

@test "portpicker --version prints the version" {
    run pp --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^portpicker\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
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
    run "$BATS_TEST_TMPDIR/pick"
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

@test "release without any server address says so with exit 7" {
    unset PORTSERVER_ADDRESS
    run --separate-stderr pp release 15000
    [ "$status" -eq 7 ]
    [ "$stderr" = "portpicker release: no port server: set PORTSERVER_ADDRESS or use --server" ]
    [ -z "$output" ]
}

@test "every applet answers --help on stdout with exit 0" {
    for applet in pick check serve release; do
        run --separate-stderr pp "$applet" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: portpicker $applet"* ]]
    done
}

@test "the binary is statically linked" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "sanitizer builds are dynamic"
    command -v file >/dev/null || skip "file(1) is not installed"
    run file -L "$PORTPICKER"
    [[ "$output" == *"statically linked"* ]]
}
