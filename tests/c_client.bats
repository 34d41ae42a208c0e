#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# include/portpicker_client.h: examples/pick_ports.c built as C99 and as C++,
# run against our server, against Debian's portserver.py and against a
# hostile fake server (tests/fake_server.py).

load helpers
load serve_helpers

TOP=$BATS_TEST_DIRNAME/..
C99="-std=c99 -Wall -Wextra -Werror -pedantic"
CXX="-x c++ -Wall -Wextra -Werror"

setup() { unset PORTSERVER_ADDRESS; }

# build COMPILER FLAGS...: examples/pick_ports.c into $EXAMPLE, or skip.
build() {
    command -v "$1" >/dev/null || skip "$1 is not installed"
    EXAMPLE=$BATS_TEST_TMPDIR/pick_ports-$1
    "$@" -I "$TOP/include" "$TOP/examples/pick_ports.c" -o "$EXAMPLE"
}

# c_program NAME LINE...: a C99 program of the C client, main's body the
# LINEs (its closing brace among them), built into $PROG; or skip.
c_program() {
    command -v gcc >/dev/null || skip "gcc is not installed"
    PROG=$BATS_TEST_TMPDIR/$1
    shift
    printf '%s\n' '#include "portpicker_client.h"' '#include <stdio.h>' \
        'int main(int argc, char **argv) {' "$@" >"$PROG.c"
    gcc $C99 -I "$TOP/include" "$PROG.c" -o "$PROG"
}

# names_in_pool OUTPUT LO HI NAME...: OUTPUT has NAME=PORT for each NAME, in
# order, each port in LO-HI and all different.
names_in_pool() {
    local out=$1 lo=$2 hi=$3 i=1 port
    shift 3
    for name in "$@"; do
        port=$(sed -n "${i}s/^$name=\([0-9]*\)\$/\1/p" <<<"$out")
        [ -n "$port" ] && in_pool "$port" "$lo" "$hi" || return 1
        i=$((i + 1))
    done
    [ "$(head -n $# <<<"$out" | cut -d= -f2 | sort -u | wc -l)" -eq $# ]
}

@test "the C client compiles clean as C99 and as C++" {
    build gcc $C99
    build g++ $CXX
}

@test "a C program picks named ports from our server, reads its status and releases them" {
    build gcc $C99
    start_server --pool 24100-24109
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" http grpc admin
    [ "$status" -eq 0 ]
    names_in_pool "$output" 24100 24109 http grpc admin
    [[ "${lines[3]}" == "status: portpicker "*"pool=24100-24109"* ]]
    # the release came back: the server holds nothing.
    [ "$(counter leases-held)" -eq 0 ]
}

@test "a C++ program gets the same named ports as the C one" {
    build g++ $CXX
    start_server --pool 24110-24119
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" web db
    [ "$status" -eq 0 ]
    names_in_pool "$output" 24110 24119 web db
}

@test "the C client picks one port from Debian's portserver.py with the legacy request" {
    [ -x /usr/bin/portserver ] || skip "Debian's python3-portpicker (/usr/bin/portserver) is not installed"
    build gcc $C99
    ADDR=$(new_address)
    SERVER_LOG=$BATS_TEST_TMPDIR/reference.log
    /usr/bin/portserver --portserver_address "$ADDR" --portserver_static_pool 24120-24129 \
        2>>"$SERVER_LOG" &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_for pp check --server-up -q -s "$ADDR"
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE"
    [ "$status" -eq 0 ]
    in_pool "$output" 24120 24129
    # named ports need v1: the client says the server is too old.
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" http
    [ "$status" -eq 1 ]
    [[ "$output" == *"legacy port server"* ]]
}

@test "the C client refuses a NAME beyond the protocol's rule before sending it" {
    build gcc $C99
    start_server --pool 24130-24139
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" ok "9starts_with_a_digit"
    [ "$status" -eq 1 ]
    [[ "$output" == *"not a NAME"*"9starts_with_a_digit"* ]]
    [ "$(counter client-request-errors)" -eq 0 ]
}

@test "the C client says when no server answers" {
    build gcc $C99
    PORTSERVER_ADDRESS=@pp-nobody-$$ run "$EXAMPLE" x
    [ "$status" -eq 1 ]
    [[ "$output" == *"no port server at @pp-nobody-$$"* ]]
}

@test "the C client shows an address nobody answers at with its control bytes escaped, on one line" {
    build gcc $C99
    PORTSERVER_ADDRESS="@pp-nobody-$$"$'\n'"$(printf %b "$TERMINAL_ESCAPES")" run "$EXAMPLE" x
    [ "$status" -eq 1 ]
    printf '%s' "$output" | visible
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"no port server at @pp-nobody-$$\\n\\x1b]0;pwned\\x07\\x1b[2J: "* ]]
}

@test "the C client never returns one port for two names" {
    build gcc $C99
    ADDR=$(new_address)
    answers 'ok 15000 15000\n'
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" http grpc
    [ "$status" -eq 1 ]
    [ "$output" = "pick_ports: pick: not a reply of the protocol (a port granted twice): ok 15000 15000" ]
}

@test "the C client refuses a reply holding a NUL byte" {
    build gcc $C99
    ADDR=$(new_address)
    answers 'ok 15000 15001\n\0junk'
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" http grpc
    [ "$status" -eq 1 ]
    [ "$output" = "pick_ports: pick: reply holds a NUL byte" ]
}

@test "the C client shows a server's err text with its control bytes escaped" {
    build gcc $C99
    ADDR=$(new_address)
    answers "err quota $TERMINAL_ESCAPES over\\n"
    PORTSERVER_ADDRESS=$ADDR run "$EXAMPLE" http grpc
    [ "$status" -eq 1 ]
    printf '%s' "$output" | visible
    [ "$output" = 'pick_ports: pick: the port server refused: \x1b]0;pwned\x07\x1b[2J over' ]
}

@test "the C client reads a pick's reply by the protocol's one rule: at most 5 digits a port" {
    build gcc $C99
    ADDR=$(new_address)
    answers 'ok 015000 15001\n'
    PORTSERVER_ADDRESS=$ADDR run -1 "$EXAMPLE" http grpc
    [ "$output" = "pick_ports: pick: not a reply of the protocol: ok 015000 15001" ]
    stop_tracked
    answers '015000\n'
    PORTSERVER_ADDRESS=$ADDR run -1 "$EXAMPLE"
    [ "$output" = "pick_ports: pick: not a reply of the protocol: 015000" ]
}

@test "the C client takes an error it does not know, or one that answers only a release, for a bad reply" {
    build gcc $C99
    ADDR=$(new_address)
    local reply
    for reply in 'err bogus text' 'err not-owner 15000 is uid 1000s' 'err not-leased 15000'; do
        answers "$reply\n"
        PORTSERVER_ADDRESS=$ADDR run -1 "$EXAMPLE" http grpc
        [ "$output" = "pick_ports: pick: not a reply of the protocol (an error this client does not know here): $reply" ]
        stop_tracked
    done
}

@test "the C client takes an err reply that is not one whole line for a bad reply" {
    build gcc $C99
    ADDR=$(new_address)
    fake file "$BATS_TEST_TMPDIR/reply"
    local reply why
    while IFS='|' read -r reply why; do
        printf "$reply" >"$BATS_TEST_TMPDIR/reply"
        PORTSERVER_ADDRESS=$ADDR run -1 "$EXAMPLE" http grpc
        [ "$output" = "pick_ports: pick: not a reply of the protocol: $why" ]
    done <<'CASES'
err exhausted no room\n\033[2J line two\n|an err line and more after it
err exhausted no room|an err line with no newline at its end
err busy\n|an err line with no space and text after its code
CASES
}

@test "the C client refuses a status line with nothing after 'ok '" {
    c_program status \
        '    struct portpicker pp = {argv[1], 0, ""}; char line[256];' \
        '    int rc = portpicker_status(&pp, line, sizeof(line));' \
        '    printf("%s %s\n", rc == PORTPICKER_BAD_REPLY ? "bad-reply" : rc ? "other" : "ok",' \
        '           rc == PORTPICKER_OK ? line : pp.error);' \
        '    return argc < 2; }'
    ADDR=$(new_address)
    answers 'ok \n'
    run -0 "$PROG" "$ADDR"
    [ "$output" = "bad-reply not a reply of the protocol: ok " ]
}

@test "the C client fails, never spins, when poll fails, and waits on through a signal" {
    command -v strace >/dev/null || skip "strace is not installed (it fails poll)"
    c_program pick \
        '    struct portpicker pp = {0}; unsigned port; (void)argc;' \
        '    pp.address = argv[1]; pp.timeout_ms = 1000;' \
        '    int rc = portpicker_pick(&pp, 0, 1, NULL, &port);' \
        '    printf("%s %s\n", rc == PORTPICKER_SYSTEM ? "system" : rc == PORTPICKER_TIMEOUT' \
        '           ? "timeout" : "other", pp.error);' \
        '    return 0; }'
    ADDR=$(new_address)
    fake hang
    run -0 timeout 6 strace -qq -o /dev/null -e inject=poll:error=ENOMEM "$PROG" "$ADDR"
    [ "$output" = "system poll: Cannot allocate memory" ]
    run -0 timeout 6 strace -qq -o /dev/null -e inject=poll:error=EINTR:when=1 "$PROG" "$ADDR"
    [ "$output" = "timeout no answer from the port server: timed out" ]
}

@test "make install puts the client header and a portpicker.pc with the prefix" {
    command -v pkg-config >/dev/null || skip "pkg-config is not installed"
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "installs the release build only"
    make -C "$TOP" -s -o portpicker install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/pp >/dev/null
    pc=$BATS_TEST_TMPDIR/root/opt/pp/share/pkgconfig
    [ "$(PKG_CONFIG_PATH=$pc pkg-config --cflags portpicker | xargs)" = "-I/opt/pp/include" ]
    [ "$(PKG_CONFIG_PATH=$pc pkg-config --modversion portpicker)" = "$(pp --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')" ]
    gcc $C99 -I "$BATS_TEST_TMPDIR/root/opt/pp/include" "$TOP/examples/pick_ports.c" -o "$BATS_TEST_TMPDIR/ex"
    make -C "$TOP" -s uninstall DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/pp >/dev/null
    [ ! -e "$BATS_TEST_TMPDIR/root/opt/pp/include/portpicker_client.h" ]
    [ ! -e "$pc/portpicker.pc" ]
}

@test "in strict C99, the C client says how to include it when a libc header came first" {
    command -v gcc >/dev/null || skip "gcc is not installed"
    src=$BATS_TEST_TMPDIR/late.c
    printf '#include <stdio.h>\n#include <portpicker_client.h>\nint main(void) { return 0; }\n' >"$src"
    run gcc $C99 -I "$TOP/include" -c "$src" -o "$BATS_TEST_TMPDIR/late.o"
    [ "$status" -ne 0 ]
    [[ "$output" == *"include it before any libc header, or build with -D_POSIX_C_SOURCE=200809L"* ]]
    gcc $C99 -D_POSIX_C_SOURCE=200809L -I "$TOP/include" -c "$src" -o "$BATS_TEST_TMPDIR/late.o"
}
