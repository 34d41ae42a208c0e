#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# pick, release and check as clients of a port server that misbehaves: each
# failure is a clear error with its own exit code, and no port is printed
# that the server did not grant.

load helpers

setup() {
    ADDR=$(new_address)
    export FAKE_LOG=$BATS_TEST_TMPDIR/requests
    unset PORTSERVER_ADDRESS
}

@test "pick sends python_portpicker's exact request: the pid and a newline" {
    fake reply '20001\n'
    run pp pick --server "$ADDR" 4242
    [ "$status" -eq 0 ]
    [ "$output" = 20001 ]
    [ "$(od -An -c "$FAKE_LOG" | tr -d ' ')" = '4242\n' ]
}

@test "PORTSERVER_ADDRESS names the server, as in python_portpicker" {
    fake reply '20002\n'
    PORTSERVER_ADDRESS=$ADDR run pp pick 4242
    [ "$status" -eq 0 ]
    [ "$output" = 20002 ]
}

@test "where there are no abstract sockets, an @NAME address is refused saying so, and no file @NAME is tried" {
    needs_fallback abstract
    cd "$BATS_TEST_TMPDIR"
    ADDR=@pp-nowhere
    fake reply '20004\n'
    refused="'@pp-nowhere' is a Linux abstract socket name, and this system has none: use a socket path"
    for words in "pick --server @pp-nowhere 4242" "release -s @pp-nowhere 20004"; do
        run --separate-stderr pp $words
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = "portpicker ${words%% *}: $refused" ]
    done
    # check --server-up does not answer "no": the address is wrong, not the server.
    run --separate-stderr pp check --server-up -s @pp-nowhere
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [ "$stderr" = "portpicker check: $refused" ]
    [ ! -s "$FAKE_LOG" ]
}

@test "a filesystem path works as the address too" {
    ADDR=$BATS_TEST_TMPDIR/ps.sock
    fake reply '20003\n'
    run pp pick --server "$ADDR" 4242
    [ "$output" = 20003 ]
}

@test "a refusal (closed without a reply) is exit 6 with a message, no port" {
    fake close
    run --separate-stderr pp pick --server "$ADDR" 4242
    [ "$status" -eq 6 ]
    [ -z "$output" ]
    [ "$stderr" = "portpicker pick: the port server at $ADDR refused: no free port in its pool, or it cannot see pid 4242" ]
}

@test "no server at the address is exit 7" {
    run --separate-stderr pp pick --server "$ADDR" 4242
    [ "$status" -eq 7 ]
    [ -z "$output" ]
    [[ "$stderr" == "portpicker pick: no port server at $ADDR"* ]]
}

@test "a server that hangs is exit 8 after --timeout, not forever" {
    fake hang
    start=$(date +%s%N)
    run --separate-stderr pp pick --server "$ADDR" --timeout 0.5 4242
    elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$status" -eq 8 ]
    [ -z "$output" ]
    [ "$elapsed_ms" -lt 4000 ]
    [[ "$stderr" == "portpicker pick: no answer from the port server at $ADDR within 0.5 s (at read)" ]]
}

@test "a garbage reply is exit 9, and nothing is printed" {
    fake reply 'hello\n'
    run --separate-stderr pp pick --server "$ADDR" 4242
    [ "$status" -eq 9 ]
    [ -z "$output" ]
    [[ "$stderr" == *"sent a reply that is not in the protocol: 'hello'" ]]
}

@test "a partial line (no newline) is exit 9" {
    fake reply '20001'
    run --separate-stderr pp pick --server "$ADDR" 4242
    [ "$status" -eq 9 ]
    [ -z "$output" ]
    [[ "$stderr" == *"(no newline at its end)" ]]
}

@test "a port outside 1-65535 is exit 9" {
    for reply in '0\n' '65536\n' '-5\n' '99999999999999999999\n'; do
        stop_tracked
        fake reply "$reply"
        run --separate-stderr pp pick --server "$ADDR" 4242
        [ "$status" -eq 9 ]
        [ -z "$output" ]
    done
}

@test "two ports where one was asked is exit 9, saying a line came more" {
    fake reply '20001\n20002\n'
    run --separate-stderr pp pick --server "$ADDR" 4242
    [ "$status" -eq 9 ]
    [ -z "$output" ]
    [[ "$stderr" == *"not in the protocol: '20001' (more than one line)" ]]
}

@test "a reply too long to be a reply is exit 9" {
    fake reply "$(head -c 10000 /dev/zero | tr '\0' 7)\\n"
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 9 ]
    [ -z "$output" ]
}

@test "--fallback picks locally after a server failure, with a warning" {
    run --separate-stderr pp pick --server "$ADDR" --fallback 4242
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+$ ]]
    [[ "$stderr" == *"--fallback: picking locally"* ]]
}

@test "pick -n asks once, with v1, and prints the granted ports" {
    fake reply 'ok 20001 20005 20009\n'
    run pp pick --server "$ADDR" -n 3 4242
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '20001\n20005\n20009')" ]
    [ "$(cat "$FAKE_LOG")" = "v1 pick 4242 3" ]
}

@test "pick --env sends the names and prints NAME_PORT lines" {
    fake reply 'ok 20001 20002\n'
    run pp pick --server "$ADDR" --env WEB DB 4242
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'WEB_PORT=20001\nDB_PORT=20002')" ]
    [ "$(cat "$FAKE_LOG")" = "v1 pick 4242 2 WEB DB" ]
}

@test "pick -n gets fewer ports than asked: exit 9, nothing printed" {
    fake reply 'ok 20001\n'
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 9 ]
    [ -z "$output" ]
}

@test "a v1 refusal carries the server's reason, exit 6" {
    fake reply 'err exhausted 2 ports asked, 1 free\n'
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 6 ]
    [ "$stderr" = "portpicker pick: the port server at $ADDR refused: 2 ports asked, 1 free" ]
}

@test "pick -n against a legacy server says it is not supported, exit 11" {
    fake legacy
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 11 ]
    [[ "$stderr" == *"does not support picking several ports at once"* ]]
    run pp pick --server "$ADDR" 4242
    [ "$output" = 20000 ]
}

@test "release sends v1 release and exits 0 on ok" {
    fake reply 'ok\n'
    run pp release --server "$ADDR" 20001 20002
    [ "$status" -eq 0 ]
    [ "$(cat "$FAKE_LOG")" = "v1 release 20001 20002" ]
}

@test "release of a port not held is exit 10 with the server's reason" {
    fake reply 'err not-leased port 20001 is not leased\n'
    run --separate-stderr pp release --server "$ADDR" 20001
    [ "$status" -eq 10 ]
    [ "$stderr" = "portpicker release: the port server at $ADDR refused: port 20001 is not leased" ]
}

@test "release against a legacy server is exit 11 and names the command" {
    fake legacy
    run --separate-stderr pp release --server "$ADDR" 20001
    [ "$status" -eq 11 ]
    [[ "$stderr" == *"does not support release"* ]]
}

@test "release of more ports than the limit is exit 2 naming it, and nothing is sent" {
    fake legacy
    run --separate-stderr pp release --server "$ADDR" $(seq 20001 21001)
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"at most 1000 (PROTO_MAX_PORTS)"* ]]
    [[ "$stderr" != *"does not support"* ]]
    [ ! -s "$FAKE_LOG" ]
}

@test "check --server-up says legacy server for a server that answers pids only" {
    fake legacy
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 0 ]
    [ "$output" = "port server at $ADDR is up: legacy server (answers pids only)" ]
}

@test "check --server-up exits 1 when no server answers" {
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 1 ]
    [[ "$output" == "no port server at $ADDR"* ]]
    PORTSERVER_ADDRESS=$ADDR run pp check --server-up -q
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "check --server-up given a server's err is that error's exit code on stderr, not 'no server up'" {
    answers 'err server-error state file: EIO\n'
    for json in "" --json; do
        run --separate-stderr pp check --server-up $json -s "$ADDR"
        echo "status $status, stdout '$output', stderr '$stderr'"
        [ "$status" -eq 12 ]
        [ -z "$output" ]
        [ "$stderr" = "portpicker check: the port server at $ADDR failed: state file: EIO" ]
    done
}

@test "check --server-up whose own socket() fails is exit 3 on stderr, though the server is up" {
    command -v strace >/dev/null || skip "strace is not installed (it fails the socket)"
    answers 'ok portpicker 9 a=1\n'
    for json in "" --json; do
        run --separate-stderr strace -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0 \
            -e inject=socket:error=EMFILE \
            "$PORTPICKER" check --server-up $json -s "$ADDR"
        echo "status $status, stdout '$output', stderr '$stderr'"
        [ "$status" -eq 3 ]
        [ -z "$output" ]
        [[ "$stderr" == "portpicker check: "*"socket"* ]]
    done
}

@test "check --server-up --json with no server up prints up: false and exits 1" {
    run --separate-stderr pp check --server-up --json -s "$ADDR"
    [ "$status" -eq 1 ]
    [ -z "$stderr" ]
    [[ "$output" == '{"address": "'"$ADDR"'", "up": false, "error": "no port server at '"$ADDR"* ]]
}

@test "check --server ADDR without PORT, the older spelling, asks whether the server is up" {
    fake legacy
    run pp check --server "$ADDR"
    [ "$status" -eq 0 ]
    [ "$output" = "port server at $ADDR is up: legacy server (answers pids only)" ]
}

@test "check --server with a PORT is a usage error that names --server-up" {
    run --separate-stderr pp check --server "$ADDR" 15000
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker check: cannot use --server with PORT: ports are probed here; ask the server with --server-up, --leases or --metrics" ]
}

@test "--server takes an address, never the option after it" {
    for applet in check pick release; do
        run --separate-stderr pp "$applet" --server -q 15000
        [ "$status" -eq 2 ]
        [ "$stderr" = "portpicker $applet: --server needs an address (@NAME or a socket path), not '-q'" ]
    done
}

@test "check --leases ADDR, without --server, is a usage error that names --server ADDR" {
    run --separate-stderr pp check --leases "$ADDR"
    [ "$status" -eq 2 ]
    [ "$stderr" = "portpicker check: unexpected argument '$ADDR': --leases takes no words (give the server's address with --server ADDR)" ]
}

@test "portpicker PID asks the port server for PID, as python_portpicker's CLI does" {
    fake legacy
    PORTSERVER_ADDRESS=$ADDR run pp 4242
    [ "$status" -eq 0 ]
    [ "$output" = 20000 ]
    [ "$(cat "$FAKE_LOG")" = 4242 ]
}

@test "check --leases prints a table, and --json the same as JSON" {
    fake reply 'ok 1\nport=20001 pid=42 uid=0 age=7 names=WEB,DB cmd=bash -c "x\\\\y" \\x01\n'
    run pp check --leases -s "$ADDR"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "PORT "*"COMMAND" ]]
    [[ "${lines[1]}" == "20001  42       0      7      WEB,DB           bash -c"* ]]
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    echo "$output" | "$PYTHON" -c '
import json, sys
leases = json.load(sys.stdin)
assert leases == [{"port": 20001, "pid": 42, "uid": 0, "age": 7,
                   "names": ["WEB", "DB"], "cmd": "bash -c \"x\\y\" \x01"}], leases'
}

@test "check --leases on a bad lease line is exit 9" {
    fake reply 'ok 1\nport=x pid=42\n'
    run pp check --leases -s "$ADDR"
    [ "$status" -eq 9 ]
}

@test "check --leases against a legacy server is exit 11" {
    fake legacy
    run pp check --leases -s "$ADDR"
    [ "$status" -eq 11 ]
}
