#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Clients trust nothing a server sends (docs/protocol.md, "What clients
# check"): against tests/fake_server.py sending crafted replies, pick,
# release, run and check refuse a reply that is not in the protocol whole
# (exit 9, one line on stderr naming what was wrong, nothing on stdout,
# nothing run), never let a server's control bytes reach the terminal, and
# always write valid JSON.

load helpers
load serve_helpers

setup() {
    ADDR=$(new_address)
    unset PORTSERVER_ADDRESS
}

# refused_whole WORDS...: `portpicker WORDS` exits 9, prints nothing on
# stdout and one line on stderr (in $stderr).
refused_whole() {
    run --separate-stderr pp "$@"
    echo "status $status, stdout '$output', stderr '$stderr'"
    [ "$status" -eq 9 ]
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

# json_valid: stdin is one JSON document (RFC 8259: python reads it strictly).
json_valid() { "$PYTHON" -c 'import json,sys; json.load(sys.stdin)'; }


@test "pick -n 2 given the same port twice is exit 9, and prints no port" {
    answers 'ok 15000 15000\n'
    refused_whole pick --server "$ADDR" -n 2 4242
    [[ "$stderr" == *"port 15000 granted twice"* ]]
}

@test "pick --env given one port for two NAMEs is exit 9" {
    answers 'ok 15000 15000\n'
    refused_whole pick --server "$ADDR" --env WEB DB 4242
    [[ "$stderr" == *"granted twice"* ]]
}

@test "pick -n 2 given port 0 is exit 9" {
    answers 'ok 0 15001\n'
    refused_whole pick --server "$ADDR" -n 2 4242
}

@test "pick -n 2 given port 70000 is exit 9" {
    answers 'ok 15000 70000\n'
    refused_whole pick --server "$ADDR" -n 2 4242
    [[ "$stderr" == *"not in the protocol: 'ok 15000 70000'" ]]
}

@test "pick -n 2 given three ports is exit 9" {
    answers 'ok 15000 15001 15002\n'
    refused_whole pick --server "$ADDR" -n 2 4242
}

@test "pick --env with two NAMEs given one port is exit 9: every NAME gets its own" {
    answers 'ok 15000\n'
    refused_whole pick --server "$ADDR" --env WEB DB 4242
}

@test "run given the same port for two NAMEs is exit 9, and the command never runs" {
    answers 'ok 15000 15000\n'
    refused_whole run --server "$ADDR" --env A --env B -- touch "$BATS_TEST_TMPDIR/ran"
    [[ "$stderr" == *"granted twice"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "terminal escapes in a server's err text reach no terminal from pick, release or run" {
    answers "err exhausted $TERMINAL_ESCAPES no port\\n"
    for words in "pick -n 2 4242" "release 15000" "run --env A -- true"; do
        run --separate-stderr pp ${words%% *} --server "$ADDR" ${words#* }
        [ "$status" -ne 0 ]
        printf '%s' "$output$stderr" | visible
        [[ "$stderr" == *'refused: \x1b]0;pwned\x07\x1b[2J no port' ]]
    done
}

@test "raw control bytes and 0xff in a reply that is not in the protocol are shown escaped" {
    answers 'ok 150\00100 \377\033[2J\n'
    refused_whole pick --server "$ADDR" -n 2 4242
    printf '%s' "$stderr" | visible
    [[ "$stderr" == *"'ok 150\\x0100 \\xff\\x1b[2J'" ]]
}

@test "an err code this client does not know is shown escaped, exit 9" {
    answers "err \033[2Jboom text\\n"
    refused_whole release --server "$ADDR" 15000
    printf '%s' "$stderr" | visible
    [[ "$stderr" == *'does not know: '\''err \x1b[2Jboom text'\' ]]
}

@test "a leases listing cut short is exit 9 saying how many of how many lines came" {
    answers 'ok 3\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\n'
    refused_whole check --leases -s "$ADDR"
    [[ "$stderr" == *"the listing was cut short: 1 of 3 lease lines came; nothing printed" ]]
    refused_whole check --leases --json -s "$ADDR"
}

@test "a leases listing cut inside a line is exit 9" {
    answers 'ok 2\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\nport=200'
    refused_whole check --leases -s "$ADDR"
    [[ "$stderr" == *"1 of 2 lease lines came (and part of one more)"* ]]
}

@test "more lease lines than COUNT announced is exit 9" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\nport=20002 pid=42 uid=0 age=7 names=- cmd=b\n'
    refused_whole check --leases -s "$ADDR"
    [[ "$stderr" == *"more than the 1 lease lines announced"* ]]
}

@test "one port leased twice in a listing is exit 9" {
    answers 'ok 2\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\nport=20001 pid=43 uid=0 age=7 names=- cmd=b\n'
    refused_whole check --leases -s "$ADDR"
    [[ "$stderr" == *"lease line 2: port 20001 after port 20001"* ]]
}

@test "a lease for port 0 or 70000 is exit 9" {
    for port in 0 70000; do
        stop_tracked
        answers "ok 1\\nport=$port pid=42 uid=0 age=7 names=- cmd=a\\n"
        refused_whole check --leases --json -s "$ADDR"
        [[ "$stderr" == *"lease line 1: port not in 1-65535"* ]]
    done
}

@test "a NAME that would open the JSON string, a\",\"evil\":\"1, is exit 9" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=a","evil":"1 cmd=x\n'
    refused_whole check --leases --json -s "$ADDR"
    [[ "$stderr" == *"lease line 1: names= not '-' or NAMEs"* ]]
}

@test "a command line ending in a lone backslash is exit 9, never an escaped quote" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=- cmd=evil\\\n'
    refused_whole check --leases --json -s "$ADDR"
    [[ "$stderr" == *"lease line 1: cmd= has a raw byte, a bad escape"* ]]
}

@test "raw control bytes in a lease line are exit 9" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\033]0;x\007\n'
    refused_whole check --leases -s "$ADDR"
    printf '%s' "$stderr" | visible
}

@test "a raw 0xff in a lease line is exit 9" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=- cmd=caf\351 \377\n'
    refused_whole check --leases --json -s "$ADDR"
}

@test "escaped control bytes, 0xff and backslashes in a command line give valid JSON and a table with no control byte" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=WEB cmd=a\\x1b]0;x\\x07 \\x1b[2J \\xff \\xc2\\x9b \\x00 "q" \\\\\n'
    run --separate-stderr pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | json_valid
    printf '%s' "$output" | "$PYTHON" -c '
import json, sys
[lease] = json.load(sys.stdin)
assert lease["cmd"] == "a\x1b]0;x\x07 \x1b[2J \ufffd \x9b \x00 \"q\" \\", lease'
    printf '%s' "$output" | visible
    run --separate-stderr pp check --leases -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | visible
    [[ "${lines[1]}" == *'a\x1b]0;x\x07 \x1b[2J \xff \xc2\x9b \x00 "q" \\' ]]
}

@test "a UTF-8 command line stays UTF-8: café in the table and in JSON" {
    answers 'ok 1\nport=20001 pid=42 uid=0 age=7 names=- cmd=caf\\xc3\\xa9\n'
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | "$PYTHON" -c '
import json, sys
[lease] = json.load(sys.stdin)
assert lease["cmd"] == "caf\u00e9", lease'
    run pp check --leases -s "$ADDR"
    [[ "${lines[1]}" == *" café" ]]
}

@test "check --server-up shows a server's status with its control bytes escaped" {
    answers "ok portpicker $TERMINAL_ESCAPES pool=1-2\\n"
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | visible
    [ "$output" = "port server at $ADDR is up: portpicker \\x1b]0;pwned\\x07\\x1b[2J pool=1-2" ]
}

@test "check --server-up given a status of two lines is exit 9" {
    answers 'ok portpicker 1\nmore\n'
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 9 ]
    [[ "$output" == *"a status reply of more than one line"* ]]
}

@test "check --server-up given a bare 'ok' status is exit 9, with or without --json" {
    # No NAME VERSION: the text path once printed from before its buffer
    # (the status after "ok " taken as -1 bytes long) and crashed.
    answers 'ok\n'
    refused_whole check --server-up -s "$ADDR"
    [[ "$stderr" == *"not in the protocol"* ]]
    refused_whole check --server-up --json -s "$ADDR"
}

@test "a NUL byte in any reply is exit 9 naming it, never a reply cut short at the NUL" {
    # Every later check reads the reply as a C string: before, 'ok 15000\0junk'
    # was a grant of 15000 and metrics with junk after a NUL printed whole.
    answers 'ok 15000\n\0junk'
    refused_whole pick --server "$ADDR" 4242
    [[ "$stderr" == *"sent a NUL byte: not a reply of the protocol"* ]]
    answers 'ok\n\0'
    refused_whole release --server "$ADDR" 15000
    answers 'ok\n# EOF\n\0junk'
    refused_whole check --metrics -s "$ADDR"
    answers 'ok 0\n\n\0port=1 pid=1 uid=0 age=0 names=- cmd=x\n'
    refused_whole check --leases -s "$ADDR"
    answers 'ok portpicker 1\0\n'
    refused_whole check --server-up -s "$ADDR"
    [[ "$stderr" == *"sent a NUL byte"* ]]
}

@test "a listing shorter than COUNT and ended by an empty line is whole: leases ended meanwhile" {
    answers 'ok 3\nport=20001 pid=42 uid=0 age=7 names=- cmd=a\n\n'
    run --separate-stderr pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | "$PYTHON" -c '
import json, sys
assert [l["port"] for l in json.load(sys.stdin)] == [20001]'
}

@test "our server's UTF-8 command lines come back as UTF-8 in --json, not one code point a byte" {
    start_server --pool 24140-24149
    # One process (no child left behind holding bats' output), asked for
    # only once it has exec'd: the server reads the command line then.
    "$PYTHON" -c 'import time; time.sleep(300)' café &
    OWNER=$!
    track_pid "$OWNER"
    wait_for grep -q café "/proc/$OWNER/cmdline"
    pp pick --server "$ADDR" "$OWNER" >/dev/null
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    printf '%s' "$output" | "$PYTHON" -c '
import json, sys
[lease] = json.load(sys.stdin)
assert lease["cmd"].endswith(" caf\u00e9"), lease'
}

@test "not-leased and not-owner answer only a release: to pick, run or check they are exit 9, not 10" {
    local reply words
    for reply in 'err not-owner pid 1 holds it\n' 'err not-leased 15000\n'; do
        answers "$reply"
        for words in "pick -n 2 4242" "check --leases" "run --tcp A -- true"; do
            # shellcheck disable=SC2086 # each case is its words
            refused_whole ${words%% *} --server "$ADDR" ${words#* }
            [[ "$stderr" == *"sent an error this client does not know here: 'err not-"* ]]
        done
        stop_tracked
    done
    answers 'err not-owner 15000 is leased by uid 1000\n'
    run -10 pp release --server "$ADDR" 15000
}

@test "pick --prefer asking again without prefer= has what is left of --timeout, not all of it again" {
    # The first request is answered late, as an old server answers prefer=
    # (a bad request); the second is never answered.
    "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
addr = sys.argv[1]
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.listen(4)
print("ready", flush=True)
first, _ = s.accept()
first.recv(4096)
time.sleep(2.5)
first.sendall(b"err bad-request prefer=15000 is not a NAME\n")
first.close()
second, _ = s.accept()
time.sleep(60)' "$ADDR" >"$BATS_TEST_TMPDIR/slow.out" &
    track_pid $!
    wait_for grep -q ready "$BATS_TEST_TMPDIR/slow.out"
    local began=$SECONDS
    run --separate-stderr pp pick -s "$ADDR" -t 3 --prefer 15000 -n 1 4242
    echo "status $status, $((SECONDS - began)) s, stderr: $stderr"
    [ "$status" -eq 8 ]
    # 3 s and a little, not 2.5 + 3
    [ $((SECONDS - began)) -le 4 ]
}

@test "a leases reply of more lines than there are ports is exit 9 before anything is allocated for them" {
    "$PYTHON" -c 'import sys; sys.stdout.write("ok 1\n" + "\n" * 70000)' >"$BATS_TEST_TMPDIR/reply"
    fake file "$BATS_TEST_TMPDIR/reply"
    # a view a line would be about 4 MB here; 16 MB of newlines, 900 MB
    # (a sanitizer build reserves more address space than any such limit)
    if [ "$(basename "$PORTPICKER")" = portpicker ]; then
        (ulimit -v 200000; refused_whole check --leases --server "$ADDR")
    fi
    refused_whole check --leases --server "$ADDR"
    [[ "$stderr" == *"not in the protocol: 70001 lines, more than there are ports; nothing printed" ]]
}

@test "a port with a leading zero is no port of the protocol, to pick and to the C client alike" {
    answers '01500\n'
    refused_whole pick --server "$ADDR" 4242
    stop_tracked
    answers 'ok 15000 00001\n'
    refused_whole pick --server "$ADDR" -n 2 4242
}

@test "a server's text cut to fit a message ends with '...', so the cut shows" {
    long=$(printf 'x%.0s' $(seq 300))
    answers "err exhausted $long\\n"
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 6 ]
    [ "$stderr" = "portpicker pick: the port server at $ADDR refused: ${long:0:160}..." ]
    stop_tracked
    answers "ok $long\\n"
    refused_whole pick --server "$ADDR" -n 2 4242
    [[ "$stderr" == *"not in the protocol: 'ok ${long:0:57}...'" ]]
}

@test "a metrics reply whose last line has no newline says so, not 'more than one line'" {
    answers 'ok\n# EOF'
    refused_whole check --metrics --server "$ADDR"
    [[ "$stderr" == *"not in the protocol: 'ok' (no newline at its end)" ]]
    stop_tracked
    # a pick's reply of two lines still says so
    answers 'ok 20000\nok 20001\n'
    refused_whole pick --server "$ADDR" -n 1 4242
    [[ "$stderr" == *"not in the protocol: 'ok 20000' (more than one line)" ]]
}

@test "a server's right-to-left override or line separator is shown escaped, not acted on" {
    answers 'err quota before\xe2\x80\xaeevil\xe2\x80\xa8after\n'
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 6 ]
    printf '%s' "$stderr" | visible
    [[ "$stderr" == *'refused: before\xe2\x80\xaeevil\xe2\x80\xa8after' ]]
}

@test "check --metrics prints valid OpenMetrics text byte for byte, its own backslash escapes not doubled" {
    printf 'ok\n# HELP x a\\\\b\n# TYPE x gauge\nx{a="q\\"z\\\\w\\n"} 1\n# EOF\n' >"$BATS_TEST_TMPDIR/reply"
    fake file "$BATS_TEST_TMPDIR/reply"
    run --separate-stderr pp check --metrics -s "$ADDR"
    echo "status $status, stdout '$output', stderr '$stderr'"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$output" = "$(tail -n +2 "$BATS_TEST_TMPDIR/reply")" ]
    [[ "$output" == *'x{a="q\"z\\w\n"} 1'* ]]
}

@test "check --metrics refuses a line with a control byte (it prints lines raw)" {
    fake file "$BATS_TEST_TMPDIR/reply"
    for byte in '\033' '\177' '\302\233' '\t'; do
        # the fake reads the file anew for each connection
        printf "ok\n# HELP x a${byte}b\n# EOF\n" >"$BATS_TEST_TMPDIR/reply"
        refused_whole check --metrics -s "$ADDR"
        [[ "$stderr" == *"line 2: a byte that is not printable ASCII"* ]]
    done
}

@test "pick --prefer given an err other than bad-request takes it as the answer, and never asks again without" {
    export FAKE_LOG=$BATS_TEST_TMPDIR/requests
    for reply in 'err frobbed no idea\n' 'err not-leased 3000\n'; do
        : >"$FAKE_LOG"
        answers "$reply"
        refused_whole pick --server "$ADDR" --prefer 3000 4242
        [[ "$stderr" != *"cannot honour"* ]]
        [ "$(wc -l <"$FAKE_LOG")" -eq 1 ]
        stop_tracked
    done
}

@test "pick --prefer given err bad-request asks again without prefer=, as the protocol allows" {
    export FAKE_LOG=$BATS_TEST_TMPDIR/requests
    answers 'err bad-request prefer=3000 is not a NAME\n'
    run --separate-stderr pp pick --server "$ADDR" --prefer 3000 4242
    [[ "$stderr" == *"cannot honour preferred ports"* ]]
    [ "$(wc -l <"$FAKE_LOG")" -eq 2 ]
    [ "$(tail -n 1 "$FAKE_LOG")" = 4242 ]
}

@test "an err reply that is not one whole line is exit 9, saying what is wrong" {
    fake file "$BATS_TEST_TMPDIR/reply"
    local reply why
    # the fake reads the file anew for each connection
    while IFS='|' read -r reply why; do
        printf "$reply" >"$BATS_TEST_TMPDIR/reply"
        refused_whole pick --server "$ADDR" -n 2 4242
        [[ "$stderr" == *"not in the protocol: '${reply%%\\n*}' ($why)" ]]
    done <<'CASES'
err exhausted x\n\033[2J garbage\n|an err line and more after it
err exhausted x|an err line with no newline at its end
err busy\n|an err line with no space and text after its code
CASES
}

@test "an err reply with an empty text, as the protocol allows, is its code's exit status" {
    answers 'err busy \n'
    run --separate-stderr pp pick --server "$ADDR" -n 2 4242
    [ "$status" -eq 6 ]
    [ -z "$output" ]
    [ "$stderr" = "portpicker pick: the port server at $ADDR closed this connection" ]
}

@test "a long err text is cut at a whole escape or character, and says so with '...'" {
    fake file "$BATS_TEST_TMPDIR/reply"
    "$PYTHON" -c 'import sys; sys.stdout.buffer.write(b"err exhausted " + b"\x1b" * 300 + b"\n")' >"$BATS_TEST_TMPDIR/reply"
    run --separate-stderr pp release 20000 --server "$ADDR"
    [ "$status" -eq 6 ]
    [[ "$stderr" == *'\x1b\x1b...' ]]
    [ "$(grep -o '\\x1b' <<<"$stderr" | wc -l)" -eq 160 ]
    # the cut falls inside a 3-byte character: it is left out whole
    "$PYTHON" -c 'import sys; sys.stdout.buffer.write(b"err exhausted " + b"\x01" * 95 + "\u20ac".encode() * 35 + b"\n")' >"$BATS_TEST_TMPDIR/reply"
    run --separate-stderr pp pick -n 2 --server "$ADDR" 4242
    [ "$status" -eq 6 ]
    printf '%s' "$stderr" | visible
    [[ "$stderr" == *'\x01'"$(printf '\342\202\254%.0s' $(seq 21))..." ]]
}

@test "check --leases skips a lease line's key=value words it does not know, before cmd=, as Versioning allows" {
    answers 'ok 1\nhost=a port=20000 pid=5 uid=0 age=1 zone=eu-1 names=- new_key= cmd=x y=2\n'
    run --separate-stderr pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [[ "$output" == *'{"port": 20000, "pid": 5, "uid": 0, "age": 1, "names": [], "cmd": "x y=2"}'* ]]
}

@test "check --leases still refuses a known key twice or out of order, or a word that is not key=value" {
    fake file "$BATS_TEST_TMPDIR/reply"
    local line
    # the fake reads the file anew for each connection
    for line in 'port=20000 pid=5 uid=0 age=1 names=- port=3 cmd=x' \
                'pid=5 port=20000 uid=0 age=1 names=- cmd=x' \
                'port=20000 pid=5 uid=0 age=1 host names=- cmd=x' \
                'port=20000 pid=5 uid=0 age=1 9z=1 names=- cmd=x' \
                'port=20000 pid=5 uid=0 age=1 names=- x=1'; do
        printf 'ok 1\n%s\n' "$line" >"$BATS_TEST_TMPDIR/reply"
        refused_whole check --leases -s "$ADDR"
        [[ "$stderr" == *"lease line 1: not port=... pid=..."* ]]
    done
}

@test "check --leases takes a listing over 16 MiB, as the protocol allows" {
    # 16500 lease lines with the longest command line: about 17.4 MB
    "$PYTHON" -c '
import sys
cmd = "\\x01" * 256
lines = ["port=%d pid=1 uid=0 age=0 names=- cmd=%s\n" % (p, cmd) for p in range(1, 16501)]
sys.stdout.write("ok 16500\n" + "".join(lines))' >"$BATS_TEST_TMPDIR/reply"
    [ "$(stat -c %s "$BATS_TEST_TMPDIR/reply")" -gt $((16 << 20)) ]
    fake file "$BATS_TEST_TMPDIR/reply"
    run --separate-stderr pp check --leases -t 20 -s "$ADDR"
    echo "status $status, stderr '$stderr'"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 16501 ]
}
