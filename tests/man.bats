#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# portpicker.1 beyond the options (docs.bats checks those): examples for
# every applet, the environment and files the code really uses, mandoc-clean.

load helpers
load serve_helpers

TOP=$BATS_TEST_DIRNAME/..
MAN=$TOP/portpicker.1

# section NAME: the man page's section NAME, up to the next .SH.
section() { sed -n "/^\.SH $1\$/,/^\.SH /p" "$MAN" | sed '$d'; }

@test "mandoc -Tlint finds nothing in the man page, not even style" {
    command -v mandoc >/dev/null || skip "mandoc is not installed"
    run mandoc -Tlint -Wstyle "$MAN"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "the man page's EXAMPLES run every applet --help lists" {
    examples=$(section EXAMPLES | sed 's/\\-/-/g')
    applets=$(pp --help | sed -n 's/^  \([a-z]*\)  .*/\1/p')
    [ -n "$applets" ]
    for applet in $applets; do
        grep -q "portpicker $applet\b" <<<"$examples" || { echo "no example of $applet"; return 1; }
    done
}

@test "the man page's ENVIRONMENT names every variable the code reads" {
    env=$(section ENVIRONMENT)
    vars=$(cat "$TOP"/portpicker.c "$TOP"/lib/*.c "$TOP"/serve/*.c "$TOP"/applets/*.c |
        grep -oE '(get|unset)env\("[A-Z_]+"\)' | sed 's/.*("\(.*\)")/\1/' | sort -u)
    [ -n "$vars" ]
    for v in $vars; do
        grep -q "$v" <<<"$env" || { echo "ENVIRONMENT lacks $v"; return 1; }
    done
}

@test "the man page's FILES names the units, the socket and the state file the units use" {
    files=$(section FILES)
    unit=$TOP/contrib/portpicker.service.in
    sock=$(sed -n 's/^ListenStream=\(\/.*\)/\1/p' "$TOP/contrib/portpicker.socket.in")
    state=$(sed -n 's/^ExecStart=.*--state \([^ ]*\).*/\1/p' "$unit")
    [ -n "$sock" ]
    [ -n "$state" ]
    grep -q "portpicker.service" <<<"$files"
    grep -q "portpicker.socket" <<<"$files"
    grep -qF "$sock" <<<"$files"
    grep -qF "$state" <<<"$files"
}

@test "serve -q still logs the start, the counters and the stop, as the man page says" {
    section SERVE | tr '\n' ' ' | grep -q "start, the stop, the counters"
    start_owner
    start_server -q --pool 24300-24309
    [ -n "$(counter leases-held)" ]
    PORTSERVER_ADDRESS=$ADDR pp pick "$OWNER" >/dev/null
    stop_server
    [ "$SERVER_RC" -eq 0 ]
    grep -q "listening on" "$SERVER_LOG"
    grep -q "stopping" "$SERVER_LOG"
    # ...but not each request.
    refute grep -q "info:" "$SERVER_LOG"
}

@test "the zsh completion claims only portpicker, and says how to claim our links" {
    [ "$(head -n 1 "$TOP/completions/_portpicker")" = "#compdef portpicker" ]
    grep -q 'commands\[$a\]:A:t} == portpicker ]] && compdef _portpicker' "$TOP/completions/_portpicker"
    grep -q 'compdef _portpicker' "$MAN"
}

@test "the README has a path for each kind of user, and the files it names exist" {
    paths=$(sed -n '/^## Your path in/,/^## /p' "$TOP/README.md")
    for who in "Test author" "CI farm operator" "Container operator" "A C or C++ program" \
        "A Go program" "A Python program"; do
        grep -q "^- \*\*$who\.\*\*" <<<"$paths" || { echo "no path for: $who"; return 1; }
    done
    for f in $(grep -oE '\]\([^)#]+\)' <<<"$paths" | tr -d '])(' | sort -u); do
        [ -e "$TOP/$f" ] || { echo "README links a missing $f"; return 1; }
    done
    # the C path names the client's real functions.
    for fn in $(grep -oE 'portpicker_[a-z]+\b' <<<"$paths" | grep -v '_client' | sort -u); do
        grep -q "static inline int $fn(" "$TOP/include/portpicker_client.h" ||
            { echo "README names $fn, the client has none"; return 1; }
    done
}
