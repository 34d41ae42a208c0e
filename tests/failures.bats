#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# failures.bats: the server under a failed system call (strace injects it,
# one fault a test) keeps every lease of a live owner and says what failed;
# each test drives a path that once broke that promise (issue 17).

load helpers
load serve_helpers

BOOT_ID=/proc/sys/kernel/random/boot_id

setup() {
    command -v strace >/dev/null || skip "strace is not installed (it injects the failures)"
    STATE=$BATS_TEST_TMPDIR/leases
    PIDFILE=$BATS_TEST_TMPDIR/server.pid
}

teardown() { stop_tracked; }

# strace with the options every test gives it: LeakSanitizer cannot run
# under ptrace, so a sanitizer build runs without it there.
STRACE="strace -f -qq -o /dev/null -E ASAN_OPTIONS=detect_leaks=0"

# start_faulty STRACE_ARGS... -- SERVE_OPTIONS...: start_server under
# strace with the fault STRACE_ARGS name; SERVED is the server's own pid.
start_faulty() {
    local fault=()
    while [ "$1" != -- ]; do fault+=("$1"); shift; done
    shift
    SERVE_WRAP="$STRACE ${fault[*]}" start_server --pidfile "$PIDFILE" "$@"
    SERVED=$(cat "$PIDFILE")
    track_pid "$SERVED"
}

# stop_faulty: SIGTERM to the server under strace; sets SERVER_RC.
stop_faulty() {
    kill -TERM "$SERVED"
    SERVER_RC=0
    wait "$SERVER_PID" || SERVER_RC=$?
}

# restart [OPTIONS...]: start_server again, without a fault, logging anew.
restart() {
    SERVER_LOG=$BATS_TEST_TMPDIR/server.$RANDOM.log
    start_server "$@"
}

# leases_of PID: how many leases the server lists for PID.
leases_of() { raw "v1 leases\n" | grep -c " pid=$1 " || true; }

# fds_of PID: how many fds PID holds.
fds_of() { find "/proc/$1/fd" -mindepth 1 | wc -l; }

# wait_for_connection FDS: wait until the server ($SERVER_PID) holds more
# than FDS fds: it has accepted the connection a client was started to make.
wait_for_connection() {
    local before=$1
    wait_for eval '[ "$(fds_of "$SERVER_PID")" -gt "$before" ]'
}

# grant N PID: N leases to PID, one request each; fails if one is refused.
grant() {
    local i
    for i in $(seq "$1"); do [ -n "$(ask "$2")" ] || return 1; done
}

@test "a failed read of the boot id during a rewrite keeps every lease" {
    start_owner
    start_faulty -P "$BOOT_ID" -e inject=openat:error=EMFILE:when=2+ -- \
        --pool 21700-21709 --state "$STATE"
    grant 3 "$OWNER"
    stop_faulty
    restart --pool 21700-21709 --state "$STATE"
    grep -q "3 leases kept, 0 dropped" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 3 ]
}

@test "a server that cannot read the boot id at start keeps its leases across a restart" {
    start_owner
    start_faulty -P "$BOOT_ID" -e inject=openat:error=EMFILE -- \
        --pool 21710-21719 --state "$STATE"
    grant 2 "$OWNER"
    stop_faulty
    grep -q "boot id: .*unknown" "$SERVER_LOG"
    restart --pool 21710-21719 --state "$STATE"
    grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 2 ]
}

@test "a server that cannot read the boot id keeps the leases of a file that has one" {
    start_owner
    start_server --pool 21720-21729 --state "$STATE"
    grant 2 "$OWNER"
    stop_server
    SERVER_LOG=$BATS_TEST_TMPDIR/server.2.log
    start_faulty -P "$BOOT_ID" -e inject=openat:error=EMFILE -- \
        --pool 21720-21729 --state "$STATE"
    grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 2 ]
}

@test "a passing failure to read /proc/self/stat at start does not leave the server without /proc" {
    start_owner
    start_faulty -P /proc/self/stat -e inject=openat:error=EMFILE:when=1 -- \
        --pool 21730-21739 --state "$STATE"
    grant 2 "$OWNER"
    stop_faulty
    [ "$(grep -c "no /proc" "$SERVER_LOG")" -eq 0 ]
    restart --pool 21730-21739 --state "$STATE"
    grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 2 ]
}

@test "a lasting failure to read /proc/self/stat stops the server at start with one line" {
    run -3 $STRACE -P /proc/self/stat -e inject=openat:error=EIO \
        timeout 3 "$PORTPICKER" serve --address "$(new_address)" --pool 21740-21749
    # strace says how it resolved the path; the server says one line.
    [ "$(grep -vc "^strace: " <<<"$output")" -eq 1 ]
    [[ "$output" == *"error: /proc/self/stat: cannot tell whether /proc is there: "* ]]
}

@test "leases saved without a start time come back to their owner, not to pid 0" {
    start_owner
    { echo "portpicker-leases 1 $(cat "$BOOT_ID")"
      echo "G 21750 $OWNER 0 0"
      echo "G 21751 $OWNER 0 0"; } >"$STATE"
    start_server --pool 21750-21759 --state "$STATE"
    grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 2 ]
    [ "$(leases_of 0)" -eq 0 ]
}

@test "a failed poll of an owner's pidfd is not its death" {
    start_owner
    # poll 1 vets the new owner; poll 2 asks whether it still lives.
    start_faulty -e inject=poll:error=ENOMEM:when=2 -- --pool 21760-21769
    grant 2 "$OWNER"
    [ "$(leases_of "$OWNER")" -eq 2 ]
    [ "$(grep -c "exited" "$SERVER_LOG")" -eq 0 ]
}

@test "a failed poll while vetting a new owner is the server's failure, not 'no such process'" {
    start_owner
    start_faulty -e inject=poll:error=ENOMEM:when=1 -- --pool 21770-21779
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"failed: cannot check pid $OWNER: "* ]]
    [ "$(pp pick -s "$ADDR" -n 2 "$OWNER" | wc -w)" -eq 2 ]
}

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# vetted_as_before: with the pidfd's answer out of the way, a kernel
# thread is refused to root, another user's process to nobody, and the
# owners that may be are granted: /proc decides, as it did.
vetted_as_before() {
    start_owner
    grant 2 "$OWNER"
    [[ "$(raw "v1 pick 2 1\n")" == "err pid-refused "* ]]
    grep -q "(uid 0): pid 2 is a kernel thread: it never exits" "$SERVER_LOG"
    run -6 "${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" "$OWNER"
    grep -q "(uid 65534): pid $OWNER belongs to another user" "$SERVER_LOG"
    local rooted=$OWNER
    # nobody's own process, granted (setpriv execs the binary itself: a
    # shell of nobody's cannot reach a tree under CI's 0700 directory).
    start_owner "${NOBODY[@]}"
    run -0 "${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" "$OWNER"
    [ "$(leases_of "$OWNER")" -eq 1 ]
    [ "$(leases_of "$rooted")" -eq 2 ]
}

@test "a kernel without PIDFD_GET_INFO (ENOTTY) is found out once, and owners are checked through /proc as before" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    start_faulty -e inject=ioctl:error=ENOTTY -- --pool 24530-24539
    vetted_as_before
    [ "$(grep -c "PIDFD_GET_INFO: .*: owners are checked through /proc" "$SERVER_LOG")" -eq 1 ]
}

@test "PIDFD_GET_INFO saying ESRCH of a live process (Linux 6.13, a parent out of sight) sends the checks to /proc" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    start_faulty -e inject=ioctl:error=ESRCH -- --pool 24540-24549
    vetted_as_before
}

@test "a failed PIDFD_GET_INFO (ENOMEM, EFAULT) is the server's failure, never read as an answer" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    start_owner
    local err
    for err in ENOMEM EFAULT; do
        # a log of its own: start_faulty waits for this server's "listening"
        SERVER_LOG=$BATS_TEST_TMPDIR/server.$err.log
        start_faulty -e "inject=ioctl:error=$err:when=1" -- --pool 24550-24559
        # nobody names root's process: no uids were read, so no grant.
        run -12 "${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" -n 2 "$OWNER"
        [[ "$output" == *"failed: cannot check pid $OWNER: "* ]]
        [ "$(leases_of "$OWNER")" -eq 0 ]
        [ -n "$(ask "$OWNER")" ]
        [ "$(leases_of "$OWNER")" -eq 1 ]
        stop_faulty
    done
}

@test "a failed read of an owner's uids, for a caller other than root, is the server's failure, not 'another user'" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    start_owner "${NOBODY[@]}"
    # ioctl 1 vets the owner for root, who needs no uids; ioctl 2 reads
    # them when nobody names it.
    start_faulty -e inject=ioctl:error=ENOMEM:when=2 -- --pool 24560-24569
    skip_without_pidfd_info
    [ -n "$(ask "$OWNER")" ]
    run -12 "${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"failed: cannot check pid $OWNER: "* ]]
    [ "$(leases_of "$OWNER")" -eq 1 ]
    run -0 "${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" -n 2 "$OWNER"
    [ "$(leases_of "$OWNER")" -eq 3 ]
}

@test "a grant the state file cannot record is answered as the server's failure (exit 12), not an empty pool" {
    start_owner
    start_faulty -P "$STATE" -e inject=write:error=ENOSPC:when=1 -- \
        --pool 21780-21789 --state "$STATE"
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"the port server at $ADDR failed: $STATE: No space left on device"* ]]
    run -0 pp pick -s "$ADDR" -n 2 "$OWNER"
    [ "$(leases_of "$OWNER")" -eq 2 ]
}

@test "the C client reports a grant the state file cannot record as the server's failure" {
    command -v gcc >/dev/null || skip "gcc is not installed"
    local prog=$BATS_TEST_TMPDIR/pick2
    printf '%s\n' '#include <portpicker_client.h>' \
        'int main(int argc, char **argv) {' \
        '    struct portpicker pp = {0};' \
        '    const char *names[] = {"a", "b"};' \
        '    unsigned ports[2];' \
        '    int rc = portpicker_pick(&pp, atol(argv[1]), 2, names, ports);' \
        '    printf("%d %s\n", rc == PORTPICKER_SERVER_FAILED, pp.error);' \
        '    return argc < 2; }' >"$prog.c"
    gcc -std=c99 -Wall -Werror -I "$BATS_TEST_DIRNAME/../include" "$prog.c" -o "$prog"
    start_owner
    start_faulty -P "$STATE" -e inject=write:error=ENOSPC:when=1 -- \
        --pool 21790-21799 --state "$STATE"
    run -0 env PORTSERVER_ADDRESS="$ADDR" "$prog" "$OWNER"
    [ "$output" = "1 the port server failed: $STATE: No space left on device" ]
}

@test "a grant refused until a rewrite names why the cut back failed, not a stale errno" {
    start_owner
    start_faulty -P "$STATE" -e inject=write:error=ENOSPC:when=1 \
        -e inject=ftruncate:error=EIO:when=1 -- --pool 21880-21889 --state "$STATE"
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    cut=$(sed -n 's/.*cannot cut a torn record off: \(.*\): no grant until.*/\1/p' "$SERVER_LOG")
    [ -n "$cut" ]
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"failed: $STATE: $cut" ]]
}

@test "a server that never bound (another answers at its address) leaves its state file as it was" {
    start_owner
    start_server --pool 21800-21809 --state "$STATE"
    grant 2 "$OWNER"
    stop_server
    kill "$OWNER"  # its leases are stale now: a rewrite would drop them
    wait "$OWNER" 2>/dev/null || true
    before=$(sha256sum <"$STATE")
    start_server --pool 21800-21809 --state "$BATS_TEST_TMPDIR/other"
    run -5 pp serve --address "$ADDR" --pool 21800-21809 --state "$STATE"
    [ "$(sha256sum <"$STATE")" = "$before" ]
}

@test "a failed fsync of the state file's directory at start does not stop the server" {
    start_owner
    start_faulty -P "$BATS_TEST_TMPDIR" -e inject=fsync:error=EIO:when=1 -- \
        --pool 21810-21819 --state "$STATE"
    grep -q "fsync of its directory: .*rewritten again soon" "$SERVER_LOG"
    grant 2 "$OWNER"
    stop_faulty
    restart --pool 21810-21819 --state "$STATE"
    [ "$(leases_of "$OWNER")" -eq 2 ]
}

# near_full_state PORT: a version 2 state file of this boot just under the
# 64 MiB limit, of early ends of PORT's lease, so that the next grant of two
# ports has the server rewrite the file itself instead of appending.
near_full_state() {
    "$PYTHON" - "$STATE" "$(cat "$BOOT_ID")" "$1" <<'PY'
import sys, zlib
path, boot, port = sys.argv[1], sys.argv[2], sys.argv[3]
head = "portpicker-leases 2 %s\n" % boot
payload = "R %s" % port
line = "%d %08x %s\n" % (len(payload), zlib.crc32(payload.encode()), payload)
n = (64 * 1048576 - 250 - len(head)) // len(line)
with open(path, "w") as f:
    f.write(head + line * n)
PY
}

@test "a grant whose rewrite of the state file cannot fsync the directory stands, and only what was granted comes back" {
    start_owner
    near_full_state 21829
    # open 1 and 2: FILE.tmp at start and at the first tick (a full disk:
    # the file is appended to as it is); open 3: the grant's own rewrite,
    # whose fsync 2 is the directory's.
    start_faulty -P "$STATE.tmp" -P "$BATS_TEST_TMPDIR" \
        -e inject=open,openat:error=ENOSPC:when=1..2 -e inject=fsync:error=EIO:when=2 -- \
        --pool 21820-21829 --state "$STATE"
    grep -q "No space left on device: appending to it as it is" "$SERVER_LOG"
    sleep 0.2 # the first tick, at once: open 2
    run -0 pp pick -s "$ADDR" -n 2 "$OWNER"
    granted=$(tr ' ' '\n' <<<"$output" | sort)
    grep -q "fsync of its directory: .*rewritten again soon" "$SERVER_LOG"
    stop_faulty
    [ "$(stat -c %s "$STATE")" -lt 1000 ]
    restart --pool 21820-21829 --state "$STATE"
    [ "$(raw "v1 leases\n" | sed -n "s/^port=\([0-9]*\) pid=$OWNER .*/\1/p" | sort)" = "$granted" ]
}

@test "a connection whose peer credentials cannot be read is refused, not served as uid -1" {
    start_owner
    start_faulty -e inject=getsockopt:error=ENOBUFS:when=1 -- --pool 21830-21839
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"failed: SO_PEERCRED: No buffer space available: the caller's uid is unknown" ]]
    grep -q "SO_PEERCRED: No buffer space available: the caller's uid is unknown: connection closed" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 0 ]
    run -0 pp pick -s "$ADDR" -n 2 "$OWNER"
}

@test "a pick whose idle connection the uid's connection cap closes is told so, not 'server too old'" {
    start_owner
    start_server --pool 21840-21849 --max-connections-per-uid 1
    # strace holds pick's request back 2 s after it connected; meanwhile
    # a second connection of the same uid takes its place.
    local fds
    fds=$(fds_of "$SERVER_PID")
    $STRACE -e inject=sendto:delay_enter=2000000 \
        "$PORTPICKER" pick -s "$ADDR" -n 2 "$OWNER" >"$BATS_TEST_TMPDIR/pick.out" 2>&1 &
    local picker=$!
    track_pid "$picker"
    wait_for_connection "$fds"
    [[ "$(raw "v1 status\n")" == "ok portpicker "* ]]
    rc=0
    wait "$picker" || rc=$?
    cat "$BATS_TEST_TMPDIR/pick.out"
    [ "$rc" -eq 6 ]
    grep -q "closed this connection: uid 0 holds 1 connections (--max-connections-per-uid)" \
        "$BATS_TEST_TMPDIR/pick.out"
}

@test "python_portpicker's client whose idle connection the cap closes still gets None, as from any refusal" {
    # Not a defect of main: the legacy client must keep working with the
    # line it now gets before the close.
    /usr/bin/python3 -c 'import portpicker' 2>/dev/null ||
        skip "python3-portpicker is not installed"
    start_owner
    start_server --pool 21850-21859 --max-connections-per-uid 1
    local fds
    fds=$(fds_of "$SERVER_PID")
    $STRACE -e inject=sendto:delay_enter=2000000 \
        /usr/bin/python3 -c 'import portpicker, sys
print(portpicker.get_port_from_port_server(sys.argv[1], pid=int(sys.argv[2])))' \
        "$ADDR" "$OWNER" >"$BATS_TEST_TMPDIR/py.out" 2>&1 &
    local picker=$!
    track_pid "$picker"
    wait_for_connection "$fds"
    [[ "$(raw "v1 status\n")" == "ok portpicker "* ]]
    wait "$picker"
    cat "$BATS_TEST_TMPDIR/py.out"
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/py.out")" = None ]
    [ "$(leases_of "$OWNER")" -eq 0 ]
}

# ---- failure paths the suite never reached before ----

@test "a probe that fails is the server's failure, and the ports taken for the pick go back first in line" {
    start_owner
    # socket 1 is the listener; 2 and 3 probe the first port on the
    # dual-stack sockets, 4 the second (5: its fallback, one family a socket).
    start_faulty -e inject=socket:error=EMFILE:when=4..5 -- --pool 21860-21869
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"failed: probe: "* ]]
    [ "$(leases_of "$OWNER")" -eq 0 ]
    [ "$(pp pick -s "$ADDR" -n 2 "$OWNER" | sort | tr '\n' ' ')" = "21860 21861 " ]
}

@test "a pick whose reply cannot be sent is undone, in the table and in the state file" {
    start_owner
    start_faulty -e inject=sendto:error=EPIPE:when=1 -- --pool 21870-21879 --state "$STATE"
    run pp pick -s "$ADDR" -n 2 "$OWNER"
    [ "$status" -ne 0 ]
    grep -q "reply to pid [0-9]* failed: Broken pipe; leases undone" "$SERVER_LOG"
    [ "$(leases_of "$OWNER")" -eq 0 ]
    [ "$(pp pick -s "$ADDR" -n 2 "$OWNER" | sort | tr '\n' ' ')" = "21870 21871 " ]
    # counted once: the grant the client never got is not one
    run -0 pp check --metrics -s "$ADDR"
    grep -qx 'portpicker_grants_total{dialect="v1"} 1' <<<"$output"
    grep -qx 'portpicker_ports_granted_total 2' <<<"$output"
    pp release -s "$ADDR" 21871
    kill -9 "$SERVED"
    wait "$SERVER_PID" || true
    restart --pool 21870-21879 --state "$STATE"
    [ "$(raw "v1 leases\n" | grep -c "^port=")" -eq 1 ]
    [ "$(leases_of "$OWNER")" -eq 1 ]
}

@test "a pick whose every probed port is bound by another process is refused, saying so" {
    start_owner
    # A pick probes 8 ports at most: all 8 bound, 2 left free.
    for port in $(seq 21880 21887); do hold_socket tcp4-listen "$port"; done
    start_server --pool 21880-21889
    run -6 pp pick -s "$ADDR" -n 2 "$OWNER"
    [[ "$output" == *"refused: every port probed is bound by another process" ]]
    [ "$(leases_of "$OWNER")" -eq 0 ]
    [ "$(pp pick -s "$ADDR" -n 2 "$OWNER" | sort | tr '\n' ' ')" = "21888 21889 " ]
}

@test "a client that stops reading its lease listing is closed at its deadline, and every lease stands" {
    # 1,000 lease lines of 256-byte command lines do not fit a socket
    # buffer: the server is still writing when the 3 s are up.
    "$PYTHON" -c 'import time; time.sleep(300)' "$(printf '%*s' 2000 '' | tr ' ' x)" &
    OWNER=$!
    track_pid "$OWNER"
    start_server --pool 22000-22999
    [ "$(pp pick -s "$ADDR" -n 1000 "$OWNER" | wc -l)" -eq 1000 ]
    run -0 timeout 10 "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1][1:])
s.sendall(b"v1 leases\n")
time.sleep(4)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.count(b"\n"))
' "$ADDR"
    [ "$output" -gt 1 ]
    [ "$output" -lt 1001 ]
    [ "$(counter leases-held)" -eq 1000 ]
    [ "$(leases_of "$OWNER")" -eq 1000 ]
}

@test "a write the state file refuses shows in the metrics as a journal write error and a server-error refusal, and no grant" {
    start_owner
    start_faulty -P "$STATE" -e inject=write:error=ENOSPC:when=1 -- \
        --pool 21890-21899 --state "$STATE"
    run -12 pp pick -s "$ADDR" -n 2 "$OWNER"
    run -0 pp check --metrics -s "$ADDR"
    grep -qx 'portpicker_journal_write_errors_total 1' <<<"$output"
    grep -qx 'portpicker_refusals_total{dialect="v1",reason="server-error"} 1' <<<"$output"
    grep -qx 'portpicker_journal_appends_total 0' <<<"$output"
    # the grant undone when its records could not be written is not one
    grep -qx 'portpicker_grants_total{dialect="v1"} 0' <<<"$output"
    grep -qx 'portpicker_ports_granted_total 0' <<<"$output"
}

@test "a saved owner that cannot be checked at restore keeps its leases, watched until it exits" {
    # Before: one failed read of its /proc/PID/stat (or a failed
    # PIDFD_GET_INFO) at restore read as "pid is gone": the lease was
    # dropped, rewritten out of the file, and the port granted again while
    # its owner lived.
    start_owner
    start_server --pool 25710-25719 --state "$STATE"
    grant 2 "$OWNER"
    stop_server
    # ENOENT: /proc says "no such process" of one whose pidfd lives (a
    # /proc of another pid namespace): no answer either (the sweep's
    # regrants check found it).
    for fault in "-P /proc/$OWNER/stat -e inject=openat:error=EMFILE" \
        "-e trace=ioctl -e inject=ioctl:error=ENOMEM" \
        "-P /proc/$OWNER/stat -e inject=openat:error=ENOENT"; do
        SERVER_LOG=$BATS_TEST_TMPDIR/server.$RANDOM.log
        # shellcheck disable=SC2086 # the fault's words
        start_faulty $fault -- --pool 25710-25719 --state "$STATE"
        grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
        grep -q "saved lease of port 2571[0-9] kept unchecked: cannot check pid $OWNER" "$SERVER_LOG"
        [ "$(leases_of "$OWNER")" -eq 2 ]
        [[ "$(ask "v1 pick $$ 9")" == "err exhausted "* ]] # 8 free: none of the owner's
        stop_faulty
        restart --pool 25710-25719 --state "$STATE"
        [ "$(leases_of "$OWNER")" -eq 2 ]
        stop_server
    done
    # A record without a start time (saved by a server without /proc),
    # kept unchecked, is the process of that pid while it lives: before,
    # the first poll compared start times and ended the lease. A second
    # record of the pid, with one, does not drop the first.
    "$PYTHON" - "$STATE" "$(cat "$BOOT_ID")" "$OWNER" "$(cut -d' ' -f22 "/proc/$OWNER/stat")" <<'PY'
import sys, zlib
path, boot, pid, start = sys.argv[1:]
out = "portpicker-leases 2 %s\n" % boot
for port, st in ((25715, 0), (25716, start)):
    payload = "G %d %s %s 0" % (port, pid, st)
    out += "%d %08x %s\n" % (len(payload), zlib.crc32(payload.encode()), payload)
open(path, "w").write(out)
PY
    SERVER_LOG=$BATS_TEST_TMPDIR/server.zero.log
    start_faulty -P "/proc/$OWNER/stat" -e inject=openat:error=EMFILE:when=1 -- \
        --pool 25710-25719 --state "$STATE"
    grep -q "2 leases kept, 0 dropped" "$SERVER_LOG"
    sleep 2.2 # two polls
    [ "$(leases_of "$OWNER")" -eq 2 ]
    stop_faulty
    # Watched (its pidfd), its death ends its leases.
    restart --pool 25710-25719 --state "$STATE"
    stop_server
    SERVER_LOG=$BATS_TEST_TMPDIR/server.last.log
    start_faulty -P "/proc/$OWNER/stat" -e inject=openat:error=EMFILE:when=1 -- \
        --pool 25710-25719 --state "$STATE"
    grep -q "kept unchecked" "$SERVER_LOG"
    kill "$OWNER"
    wait_for eval '[ "$(leases_of "$OWNER")" -eq 0 ]'
}
