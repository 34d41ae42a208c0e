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
    # A word that starts with a flag is that flag misspelled, not a
    # number: before, "-4x" was "PID: '-4x' is negative".
    refuses "portpicker pick: unknown option '-4x' (one flag per word; see --help)" pick -4x
    refuses "portpicker pick: unknown option '-45' (one flag per word; see --help)" pick -45
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
    # an IPv4-mapped address binds nowhere on the IPv6-only probe socket
    refuses "portpicker check: --host: '::ffff:127.0.0.1' is an IPv4-mapped IPv6 address: give the IPv4 address, 127.0.0.1" check --host ::ffff:127.0.0.1 15000
    refuses "portpicker pick: --host: '::FFFF:10.1.2.3' is an IPv4-mapped IPv6 address: give the IPv4 address, 10.1.2.3" pick --host ::FFFF:10.1.2.3
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

@test "a NAME given twice is refused by pick --env as by run: two ports, one variable" {
    refuses "portpicker pick: NAME: 'A' is given twice" pick --env A B A
    refuses "portpicker run: NAME: 'A' is given twice" run --tcp A --env A -- true
}

@test "-n that contradicts the NAMEs of --env is refused" {
    refuses "portpicker pick: -n 3 contradicts the 2 NAMEs of --env" pick --env -n 3 A B
}

@test "a bad --timeout is refused" {
    refuses "portpicker pick: --timeout: 'x' is not a number of seconds" pick --timeout x
}

@test "seconds are decimal: a sign, a blank, an exponent or hex is refused, and --timeout 0, which no answer could meet" {
    local bad
    for bad in +1 " 1" 1e-300 1e3 0x2 . inf nan; do
        refuses "portpicker pick: --timeout: '$bad' is not a number of seconds" pick --timeout "$bad"
        refuses "portpicker check: --wait: '$bad' is not a number of seconds" check --wait "$bad" 15000
        refuses "portpicker pick: BIND_TIMEOUT: '$bad' is not a number of seconds" pick 1 "$bad"
    done
    refuses "portpicker pick: --timeout: '0' is out of range 0.001-3600 seconds" pick --timeout 0 -s "$BATS_TEST_TMPDIR/none.sock"
    refuses "portpicker pick: --timeout: '-1' is out of range 0.001-3600 seconds" pick --timeout -1 -s "$BATS_TEST_TMPDIR/none.sock"
    # a fraction, or none, on either side of the point
    run -7 pp pick --timeout .5 -s "$BATS_TEST_TMPDIR/none.sock"
    run -7 pp pick --timeout 5. -s "$BATS_TEST_TMPDIR/none.sock"
}

@test "serve --socket-mode takes octal digits only: a blank, a sign or an 8 is refused" {
    needs_linux_mechanism serve
    refuses "portpicker serve: --socket-mode: ' 777' is not an octal number" serve --socket-mode ' 777' --address /nonexistent/pp.sock
    refuses "portpicker serve: --socket-mode: '+777' is not an octal number" serve --socket-mode +777 --address /nonexistent/pp.sock
    refuses "portpicker serve: --socket-mode: '778' is not an octal number" serve --socket-mode 778 --address /nonexistent/pp.sock
    refuses "portpicker serve: --socket-mode: '1000' is out of range 0-777" serve --socket-mode 1000 --address /nonexistent/pp.sock
}

@test "serve refuses one file for two of --state, --pidfile and --metrics-file, touching nothing" {
    needs_linux_mechanism serve
    # Before: accepted; the pidfile's write and removal, or the metrics
    # file's, destroyed the state file and every lease in it.
    f=$BATS_TEST_TMPDIR/leases
    refuses "portpicker serve: --state and --pidfile name the same file '$f'" \
        serve --address @pp-none --state "$f" --pidfile "$f"
    refuses "portpicker serve: --state and --metrics-file name the same file '$f'" \
        serve --address @pp-none --state "$f" --metrics-file "$f"
    refuses "portpicker serve: --pidfile and --metrics-file name the same file '$f'" \
        serve --address @pp-none --pidfile "$f" --metrics-file "$f"
    [ ! -e "$f" ]
    # The same file by another path.
    echo keep > "$f"
    ln -s "$f" "$f.link"
    refuses "portpicker serve: --state and --pidfile name the same file '$f'" \
        serve --address @pp-none --state "$f" --pidfile "$f.link"
    [ "$(cat "$f")" = keep ]
}

# serve_pid BEFORE AFTER LISTEN_FDS: serve with LISTEN_PID its own pid
# (the shell's, by exec) between BEFORE and AFTER, on a socket path it
# cannot bind, so that it stops at once if it listens itself.
serve_pid() {
    run --separate-stderr sh -c 'LISTEN_PID="$1$$$2" LISTEN_FDS=$3 exec "$0" serve \
        --address /nonexistent/pp.sock 3>&-' "$PORTPICKER" "$@"
    echo "stderr: $stderr" >&2
}

@test "serve reads LISTEN_PID and LISTEN_FDS as whole numbers, not their leading digits" {
    needs_linux_mechanism serve
    serve_pid '' '' 1x
    [ "$status" -eq 3 ]
    [[ "$stderr" == *"error: LISTEN_FDS: '1x' is not a whole number" ]]
    # a LISTEN_PID that is not a pid is someone else's: serve listens itself
    for around in '+ ""' '" " ""' '"" x'; do
        eval serve_pid "$around" 1
        [ "$status" -eq 3 ]
        [[ "$stderr" == *"/nonexistent/pp.sock"* ]]
    done
}

# one_line_escaped [-127] ARGS...: ARGS fail (with 127: no such applet or
# command) with one line on stderr that shows the value a\nb as 'a\nb'.
one_line_escaped() {
    if [ "$1" = -127 ]; then
        shift
        run -127 --separate-stderr pp "$@"
    else
        run ! --separate-stderr pp "$@"
    fi
    echo "$* -> $status: $stderr" >&2
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == *"'a\\nb'"* || "$stderr" == *"'--a\\nb'"* ]]
}

@test "a value with a newline is shown escaped, so every message stays one line" {
    v=$'a\nb'
    one_line_escaped -127 "$v"
    one_line_escaped -127 help "$v"
    one_line_escaped pick --env "$v"
    one_line_escaped pick "$v"
    one_line_escaped pick 1 2 "$v"
    one_line_escaped pick "--$v"
    one_line_escaped pick --fence="$v"
    for opt in --range --exclude --prefer --count --host --timeout --server; do
        one_line_escaped pick "$opt" "$v"
    done
    PORTSERVER_ADDRESS=$v one_line_escaped release 15000
    one_line_escaped check "$v"
    one_line_escaped check --wait "$v" 15000
    one_line_escaped check --server-up "$v"
    one_line_escaped release "$v"
    for opt in --tcp --udp --env --backlog; do
        one_line_escaped run "$opt" "$v" -- true
    done
    one_line_escaped run --tcp A "$v"
    one_line_escaped -127 run --env A -- "$v"
    has_linux_mechanism serve || return 0
    for opt in --address --pool --socket-mode --max-leases-per-uid --max-connections-per-uid \
        --state --pidfile; do
        one_line_escaped serve "$opt" "$v"
    done
    one_line_escaped serve "$v"
}

@test "an address no socket can have (or no message may show: a C1 control, invalid UTF-8) is exit 2 naming it, from -s and from PORTSERVER_ADDRESS, in every applet that asks" {
    long=/tmp/$(printf '%0120d' 0)
    for pair in "@|empty socket address '@'" \
        $'a\nb|socket address \'a\\nb\' has a control character' \
        $'@x\xc2\x9b31m|socket address \'@x\\xc2\\x9b31m\' has a control character' \
        $'/tmp/\xff\xfe|socket address \'/tmp/\\xff\\xfe\' is not valid UTF-8' \
        "$long|socket address '${long:0:48}...' is longer than 107 bytes"; do
        addr=${pair%%|*} why=${pair#*|}
        for words in "pick $$" "release $$ 20000" "check --server-up" "check --server-up --json" \
            "check --leases" "check --metrics" "run --tcp A -- true"; do
            applet=${words%% *}
            refuses "portpicker $applet: $why" "$applet" -s "$addr" ${words#* }
            PORTSERVER_ADDRESS=$addr refuses "portpicker $applet: $why" $words
        done
    done
}
