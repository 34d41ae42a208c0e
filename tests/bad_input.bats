#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Every bad argument: one line on stderr naming the applet, the argument and
# the problem; exit 2; nothing on stdout.

load helpers

# refuses EXPECTED_STDERR ARGS...: run ARGS, expect exit 2, empty stdout and
# exactly EXPECTED_STDERR.
refuses() {
    local expected=$1; shift
    run --separate-stderr pp "$@"
    echo "stderr: $stderr" >&2
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "$expected" ]
}

@test "a non-numeric PID is refused" {
    refuses "portpicker pick: PID: 'abc' is not a whole number" pick abc
}

@test "a negative PID is refused" {
    refuses "portpicker pick: PID: '-5' is negative" pick -5
}

@test "PID 0 is refused" {
    refuses "portpicker pick: PID: '0' is out of range 1-2147483647" pick 0
}

@test "a BIND_TIMEOUT that is not a number is refused" {
    refuses "portpicker pick: BIND_TIMEOUT: 'soon' is not a number of seconds" pick 1 soon
}

@test "a negative BIND_TIMEOUT is refused" {
    refuses "portpicker pick: BIND_TIMEOUT: '-1' is out of range 0-86400 seconds" pick 1 -1
}

@test "an infinite BIND_TIMEOUT is refused" {
    refuses "portpicker pick: BIND_TIMEOUT: 'inf' is not a number of seconds" pick 1 inf
}

@test "too many arguments are refused" {
    refuses "portpicker pick: too many arguments: '3' (expected PID and BIND_TIMEOUT at most)" pick 1 2 3
}

@test "port 0 is refused" {
    refuses "portpicker check: PORT: '0' is out of range 1-65535" check 0
}

@test "a port above 65535 is refused" {
    refuses "portpicker check: PORT: '65536' is out of range 1-65535" check 65536
}

@test "a port that is not a number is refused" {
    refuses "portpicker check: PORT: 'http' is not a whole number" check http
}

@test "an inverted range is refused" {
    refuses "portpicker pick: --range: '20000-10000' is inverted (low end above high end)" pick --range 20000-10000
}

@test "a malformed range is refused" {
    refuses "portpicker pick: --range: in '15000-': port is empty" pick --range 15000-
    refuses "portpicker pick: --range: in '1-2-3': port '2-3' is not a whole number" pick --range 1-2-3
    refuses "portpicker pick: --range: '' is not PORT or LO-HI" pick --range 15000,,16000
}

@test "a range beyond 65535 is refused" {
    refuses "portpicker pick: --range: in '60000-70000': port '70000' is out of range 1-65535" pick -r 60000-70000
}

@test "a bad --exclude is refused" {
    refuses "portpicker pick: --exclude: in 'x': port 'x' is not a whole number" pick --exclude x
}

@test "an unknown option is refused" {
    refuses "portpicker pick: unknown option '--frob' (see --help)" pick --frob
    refuses "portpicker check: unknown option '-z' (see --help)" check -z 1
}

@test "a missing value is refused" {
    refuses "portpicker pick: option '--range' needs a value" pick --range
    refuses "portpicker check: option '-w' needs a value" check 15000 -w
}

@test "a value given to a flag is refused" {
    refuses "portpicker check: option '--quiet' takes no value (got 'yes')" check --quiet=yes 15000
}

@test "-n out of range is refused" {
    refuses "portpicker pick: --count: '0' is out of range 1-1000" pick -n 0
    refuses "portpicker pick: --count: '1001' is out of range 1-1000" pick -n 1001
}

@test "a host that is not a numeric address is refused" {
    refuses "portpicker check: --host: 'example.invalid' is not a numeric IPv4 or IPv6 address" check --host example.invalid 15000
}

@test "a host of the wrong family for -4 or -6 is refused" {
    refuses "portpicker check: --host: an IPv6 address contradicts -4" check -4 --host ::1 15000
}

@test "check without a port is refused" {
    refuses "portpicker check: missing PORT (see --help)" check
}

@test "check --listening --udp is refused" {
    refuses "portpicker check: cannot use --listening with --udp: it connects over TCP" check --listening --udp 15000
}

@test "a bad --wait is refused" {
    refuses "portpicker check: --wait: 'forever' is not a number of seconds" check --wait forever 15000
}

@test "--env without a NAME is refused" {
    refuses "portpicker pick: --env needs at least one NAME" pick --env
}

@test "a NAME that is not a name is refused" {
    refuses "portpicker pick: NAME: 'web-1' is not a name (letters, digits and _, not starting with a digit, 31 at most)" pick --env web-1
}

@test "-n that contradicts the NAMEs of --env is refused" {
    refuses "portpicker pick: -n 3 contradicts the 2 NAMEs of --env" pick --env -n 3 A B
}

@test "a bad --timeout is refused" {
    refuses "portpicker pick: --timeout: 'x' is not a number of seconds" pick --timeout x
}
