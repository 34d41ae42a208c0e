#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The v1 protocol (docs/protocol.md) between our clients and our server:
# atomic multi-port leases, named ports, release, status and the lease table.

load helpers
load serve_helpers

setup() { unset PORTSERVER_ADDRESS; }

@test "v1 pick grants N ports in one lease, all from the pool" {
    start_owner
    start_server --pool 23000-23009
    run raw "v1 pick $OWNER 3\n"
    [[ "$output" =~ ^ok\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)$ ]]
    for port in ${output#ok }; do in_pool "$port" 23000 23009; done
    [ "$(echo "${output#ok }" | tr ' ' '\n' | sort -u | wc -l)" -eq 3 ]
    [ "$(counter leases-held)" -eq 3 ]
}

@test "pick -n N through our server prints N distinct leased ports" {
    start_owner
    start_server --pool 23010-23019
    run pp pick --server "$ADDR" -n 4 "$OWNER"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    [ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 4 ]
}

@test "pick -n on an almost full pool is refused whole: nothing leased, nothing printed" {
    start_owner
    start_server --pool 23020-23022
    first=$(ask "$OWNER")
    [ -n "$first" ]
    run --separate-stderr pp pick --server "$ADDR" -n 3 "$OWNER"
    [ "$status" -eq 6 ]
    [ -z "$output" ]
    [[ "$stderr" == *"refused: "*"3 ports asked"* ]]
    [ "$(counter leases-held)" -eq 1 ]
    run pp pick --server "$ADDR" -n 2 "$OWNER"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
}

@test "pick --env leases named ports, and check --leases shows the names" {
    start_owner
    start_server --pool 23030-23039
    run pp pick --server "$ADDR" --env WEB DB "$OWNER"
    [ "$status" -eq 0 ]
    eval "$output"
    in_pool "$WEB_PORT" 23030 23039
    in_pool "$DB_PORT" 23030 23039
    run pp check --leases -s "$ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$WEB_PORT "*" $OWNER "*"WEB"*"sleep 300"* ]]
    [[ "$output" == *"$DB_PORT "*" $OWNER "*"DB"*"sleep 300"* ]]
}

@test "check --leases --json lists port, pid, uid, names, age and command" {
    start_owner
    start_server --pool 23040-23049
    port=$(pp pick --server "$ADDR" "$OWNER")
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    echo "$output" | "$PYTHON" -c '
import json, os, sys
leases = json.load(sys.stdin)
assert len(leases) == 1, leases
l = leases[0]
assert l["port"] == int(sys.argv[1]) and l["pid"] == int(sys.argv[2]), l
assert l["uid"] == os.getuid() and l["names"] == [] and l["age"] >= 0, l
assert l["cmd"] == "sleep 300", l' "$port" "$OWNER"
}

@test "release gives a port back early, and it is granted again" {
    start_owner
    start_server --pool 23050-23050
    port=$(pp pick --server "$ADDR" "$OWNER")
    run pp pick --server "$ADDR" "$OWNER"
    [ "$status" -eq 6 ]
    run pp release --server "$ADDR" "$port"
    [ "$status" -eq 0 ]
    [ "$(counter leases-held)" -eq 0 ]
    run pp pick --server "$ADDR" "$OWNER"
    [ "$status" -eq 0 ]
    [ "$output" = "$port" ]
}

@test "releasing a port that is not leased is exit 10 and changes nothing" {
    start_owner
    start_server --pool 23060-23061
    port=$(pp pick --server "$ADDR" "$OWNER")
    other=$(( port == 23060 ? 23061 : 23060 ))
    run --separate-stderr pp release --server "$ADDR" "$port" "$other"
    [ "$status" -eq 10 ]
    [[ "$stderr" == *"$other"*"not leased"* ]]
    [ "$(counter leases-held)" -eq 1 ]
    run --separate-stderr pp release --server "$ADDR" 40000
    [ "$status" -eq 10 ]
}

@test "only the uid that leased a port, or root, may release it" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    [ "$(id -u)" -eq 0 ] || skip "needs root to act as two users"
    start_owner setpriv --reuid=65534 --regid=65534 --clear-groups
    start_server --pool 23070-23079
    port=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTPICKER" pick --server "$ADDR" "$OWNER")
    in_pool "$port" 23070 23079
    run --separate-stderr setpriv --reuid=65533 --regid=65533 --clear-groups "$PORTPICKER" release --server "$ADDR" "$port"
    [ "$status" -eq 10 ]
    [[ "$stderr" == *"leased by another user"* ]]
    [ "$(counter leases-held)" -eq 1 ]
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTPICKER" release --server "$ADDR" "$port"
    [ "$status" -eq 0 ]
    port=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTPICKER" pick --server "$ADDR" "$OWNER")
    run pp release --server "$ADDR" "$port"
    [ "$status" -eq 0 ]
}

@test "check --server-up says our server is up, with its pool and counts" {
    start_owner
    start_server --pool 23080-23089
    pp pick --server "$ADDR" "$OWNER" >/dev/null
    run pp check --server-up -s "$ADDR"
    [ "$status" -eq 0 ]
    [[ "$output" == "port server at $ADDR is up: portpicker "*"pool=23080-23089 managed=10 free=9 leased=1"* ]]
}

@test "the legacy request keeps working byte for byte beside v1" {
    start_owner
    start_server --pool 23090-23099
    run raw --repr "$OWNER\n"
    [[ "$output" =~ ^b\'230[0-9][0-9]\\n\'$ ]]
}

@test "a malformed v1 request gets err bad-request, and the server goes on" {
    start_owner
    start_server --pool 23100-23109
    for request in "v1 pick\n" "v1 pick x 1\n" "v1 pick $OWNER 0\n" "v1 pick $OWNER 1001\n" \
                   "v1 pick $OWNER 2 A\n" "v1 pick $OWNER 1 1A\n" "v1 release\n" "v1 release 0\n" \
                   "v1 release 15000 x\n" "v1  status\n"; do
        run raw "$request"
        [[ "$output" == "err bad-request "* ]] || { echo "$request -> $output"; return 1; }
    done
    [ -n "$(ask "$OWNER")" ]
}

@test "an unknown verb or version gets err unsupported" {
    start_server --pool 23110-23119
    run raw "v1 frob\n"
    [[ "$output" == "err unsupported "* ]]
    run raw "v2 pick 1 1\n"
    [[ "$output" == "err unsupported "* ]]
}

@test "v1 pick for a pid that does not exist gets err no-such-pid" {
    start_server --pool 23120-23129
    sleep 0 & gone=$!; wait "$gone"
    run raw "v1 pick $gone 1\n"
    [[ "$output" == "err no-such-pid "* ]]
}

@test "a v1 request longer than the request limit is refused" {
    start_server --pool 23130-23139
    # 1001 ports: 6016 bytes, beyond PROTO_REQUEST_MAX (6010).
    long="v1 release$(printf ' 15000%.0s' $(seq 1001))"
    run raw "$long\n"
    echo "$output"
    # Refused in a line, then closed: what it sent was taken, so no reset.
    [[ "$output" == "err bad-request "* ]]
    [[ "$output" != *"<reset>"* ]]
    [ "$(counter client-request-errors)" -eq 1 ]
    # A legacy one is refused by the close alone, as cleanly: 8000 bytes,
    # more than the server's buffer holds (the drain takes the rest).
    run raw "$(printf '1%.0s' $(seq 8000))"
    [ -z "$output" ]
}

@test "v1 leases lists 500 leases in full" {
    start_owner
    start_server --pool 23200-23799
    run pp pick --server "$ADDR" -n 500 "$OWNER"
    [ "$status" -eq 0 ]
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 500 ]
}

@test "a listing whose leases end while it is written ends with an empty line, so it is not taken for one cut short" {
    # 600 lines of about 1 kB (each byte of é is shown as \xHH): far more
    # than the socket's buffer, so the server is still writing when the
    # owner dies, however slow it is (ASan).
    "$PYTHON" -c 'import time; time.sleep(300)' "$(printf 'é%.0s' $(seq 150))" &
    OWNER=$!
    track_pid "$OWNER"
    wait_for grep -q é "/proc/$OWNER/cmdline" # exec'd: the long line is its own
    start_server --pool 23200-23799
    pp pick --server "$ADDR" -n 600 "$OWNER" >/dev/null
    # read the head, let the owner die (its 600 leases end), read the rest
    run "$PYTHON" -c '
import os, signal, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect("\0" + sys.argv[1][1:])
s.sendall(b"v1 leases\n")
reply = s.recv(1024)
os.kill(int(sys.argv[2]), signal.SIGKILL)
time.sleep(0.5)
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
lines = reply.split(b"\n")
leased = sum(1 for line in lines if line.startswith(b"port="))
print(lines[0].decode(), leased, reply.endswith(b"\n\n"))' "$ADDR" "$OWNER"
    echo "$output"
    [ "$status" -eq 0 ]
    read -r ok count lines whole <<<"$output"
    [ "$ok $count" = "ok 600" ]
    # A slow server (ASan, a loaded machine) may have written every line
    # before the owner's death reached it: then nothing ended meanwhile.
    [ "$lines" -lt 600 ] || skip "all 600 lines were written before the owner died"
    [ "$whole" = True ]
}

@test "a dead owner's named lease leaves the table" {
    start_owner
    start_server --pool 23140-23149
    pp pick --server "$ADDR" --env API "$OWNER" >/dev/null
    kill "$OWNER"
    wait_for eval '[ "$(pp check --leases --json -s "$ADDR")" = "[]" ]'
}

@test "named leases keep their names across kill -9 and a restart" {
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 23150-23159 --state "$state"
    eval "$(pp pick --server "$ADDR" --env WEB DB "$OWNER")"
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_LOG=$BATS_TEST_TMPDIR/server2.log
    start_server --pool 23150-23159 --state "$state"
    run pp check --leases --json -s "$ADDR"
    [ "$status" -eq 0 ]
    echo "$output" | "$PYTHON" -c '
import json, sys
names = {l["port"]: l["names"] for l in json.load(sys.stdin)}
assert names == {int(sys.argv[1]): ["WEB"], int(sys.argv[2]): ["DB"]}, names' "$WEB_PORT" "$DB_PORT"
}

@test "a released port is not lost by a restart either" {
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 23160-23160 --state "$state"
    port=$(pp pick --server "$ADDR" "$OWNER")
    pp release --server "$ADDR" "$port"
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_LOG=$BATS_TEST_TMPDIR/server2.log
    start_server --pool 23160-23160 --state "$state"
    run pp pick --server "$ADDR" "$OWNER"
    [ "$status" -eq 0 ]
    [ "$output" = "$port" ]
}

@test "a v1 request with a NUL byte in it is refused, not cut short" {
    start_owner
    start_server --pool 23170-23179
    run raw "v1 pick $OWNER 1 web\x00junk\n"
    [[ "$output" != ok* ]]
    [ "$(counter leases-held)" -eq 0 ]
    run raw "v1 status\x00\xff\n"
    [[ "$output" != ok* ]]
    [ -n "$(ask "$OWNER")" ]
}

# names N: N distinct NAMEs of 31 characters, the longest the rule allows.
names() {
    local i n pad=_______________________________
    for ((i = 1; i <= $1; i++)); do
        printf -v n 'N%03d' "$i"
        printf '%s ' "$n${pad:0:31-${#n}}"
    done
}

@test "pick --env with 300 NAMEs is refused before sending, naming the limit" {
    # Once a stack-buffer-overflow in the client (under ASan).
    PORTSERVER_ADDRESS=@pp-nobody-$$ run --separate-stderr pp pick --env $(names 300) $$
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == "portpicker pick: request not sent: 300 NAMEs: "*"at most 128 (PROTO_MAX_NAMES)" ]]
}

@test "pick --env with as many long NAMEs as the limit allows is served by our server" {
    start_owner
    start_server --pool 23800-23999
    run pp pick --server "$ADDR" --env $(names 128) "$OWNER"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 128 ]
    [[ "${lines[127]}" == N128_*_PORT=23[89]* ]]
    [ "$(counter leases-held)" -eq 128 ]
}

@test "a release of as many ports as the limit allows works against our server" {
    start_owner
    start_server --pool 24000-24999
    ports=$(pp pick --server "$ADDR" -n 1000 "$OWNER")
    [ "$(echo "$ports" | wc -l)" -eq 1000 ]
    run pp release --server "$ADDR" $ports
    [ "$status" -eq 0 ]
    [ "$(counter leases-held)" -eq 0 ]
}
