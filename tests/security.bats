#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The attacks of docs/security.md, tried as a hostile local user (setpriv to
# nobody), a full disk (a small tmpfs) or a crash (kill -9) would try them.
# Each test proves the attack does no harm, and that the server still
# answers a normal request afterwards. Mounts and directories made here are
# undone in teardown.

load helpers
load serve_helpers

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
MOUNTS=()
DIRS=()

teardown() {
    stop_tracked
    local m d
    for m in "${MOUNTS[@]}"; do umount "$m" || umount -l "$m"; done
    for d in "${DIRS[@]}"; do rm -rf "$d"; done
}

# small_disk KB: a tmpfs of KB KiB in DISK, unmounted in teardown.
small_disk() {
    DISK=$BATS_TEST_TMPDIR/disk
    mkdir -p "$DISK"
    mount -t tmpfs -o "size=${1}k" tmpfs "$DISK" || skip "cannot mount a tmpfs here"
    MOUNTS+=("$DISK")
}

# fill_disk: write zeros to $DISK/fill until the file system is full.
fill_disk() { dd if=/dev/zero of="$DISK/fill" bs=4k 2>/dev/null || true; }

# shared_dir MODE [OWNER]: a fresh directory under /tmp (which every user
# can reach) in SHARED, removed in teardown.
shared_dir() {
    SHARED=$(mktemp -d /tmp/pp-security.XXXXXX)
    DIRS+=("$SHARED")
    chmod "$1" "$SHARED"
    [ -z "${2:-}" ] || chown "$2" "$SHARED"
}

# victim: a file of root's the attacker would like changed, in VICTIM.
victim() {
    VICTIM=$BATS_TEST_TMPDIR/victim
    echo "root's precious file" >"$VICTIM"
    chmod 600 "$VICTIM"
}

victim_untouched() {
    [ "$(cat "$VICTIM")" = "root's precious file" ]
    [ "$(stat -c %a "$VICTIM")" = 600 ]
}

# pick_for PID [N]: lease N ports (default 1) to PID, printed one a line.
pick_for() { pp pick --server "$ADDR" -n "${2:-1}" "$1" 2>/dev/null; }

# ---- 5. a full disk ----

@test "a full disk never leaves a port with two live owners, and the server keeps answering" {
    small_disk 64
    start_owner
    a=$OWNER
    start_server --pool 22000-22399 --state "$DISK/leases"
    pick_for "$a" >"$BATS_TEST_TMPDIR/a"
    fill_disk
    # Grants fill the state file's last page; the one that crosses it is
    # cut short by ENOSPC and must be refused, its bytes cut off again.
    for _ in $(seq 300); do
        pick_for "$a" >>"$BATS_TEST_TMPDIR/a" || break
    done
    refute pick_for "$a"
    grep -q "No space left on device" "$SERVER_LOG"
    rm "$DISK/fill"
    for _ in $(seq 5); do pick_for "$a" >>"$BATS_TEST_TMPDIR/a"; done
    held=$(wc -l <"$BATS_TEST_TMPDIR/a")
    [ "$held" -gt 5 ]

    crash_and_restart --pool 22000-22399 --state "$DISK/leases"
    grep -q "$held leases kept" "$SERVER_LOG"
    # A second owner gets every other port of the pool, none of a's, and not
    # one more.
    start_owner
    rest=$((400 - held))
    pick_for "$OWNER" $((rest - 1)) >"$BATS_TEST_TMPDIR/b"
    pick_for "$OWNER" >>"$BATS_TEST_TMPDIR/b"
    refute pick_for "$OWNER"
    [ "$(sort "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" | uniq -d)" = "" ]
    [ "$(cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" | wc -l)" -eq 400 ]
}

@test "a server started on a full disk answers, refuses grants saying why, and grants once there is room" {
    small_disk 64
    fill_disk
    start_owner
    start_server --pool 22400-22409 --state "$DISK/leases"
    grep -q "no grant until it can be written" "$SERVER_LOG"
    run pp pick --server "$ADDR" "$OWNER"
    [ "$status" -eq 6 ]
    grep -q "denied.*leases: No space left on device" "$SERVER_LOG"
    pp check --server "$ADDR" >/dev/null
    rm "$DISK/fill"
    wait_for pick_for "$OWNER" >"$BATS_TEST_TMPDIR/a"
    grep -q "rewritten: grants are recorded again" "$SERVER_LOG"
    crash_and_restart --pool 22400-22409 --state "$DISK/leases"
    grep -q "1 leases kept" "$SERVER_LOG"
}

@test "a record torn by a crash is cut off at restart, and every lease before it kept" {
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 22410-22419 --state "$state"
    pick_for "$OWNER" 2 >/dev/null
    kill -9 "$SERVER_PID"
    wait "$SERVER_PID" || true
    printf '31 0badf00d G 22419 %s' "$OWNER" >>"$state"
    SERVER_LOG=$BATS_TEST_TMPDIR/server2.log
    start_server --pool 22410-22419 --state "$state"
    grep -q "bytes after the last whole record (a write cut short) cut off" "$SERVER_LOG"
    grep -q "2 leases kept" "$SERVER_LOG"
    [ "$(tail -c 1 "$state" | od -An -c | tr -d ' ')" = '\n' ]
    [ -n "$(pick_for "$OWNER")" ]
}

@test "a state file removed or moved away while the server runs is written anew within a second: a crash then loses no lease" {
    start_owner
    dir=$BATS_TEST_TMPDIR/state
    mkdir "$dir"
    start_server --pool 25420-25429 --state "$dir/leases"
    pick_for "$OWNER" >/dev/null
    # A cleaner of /tmp takes the file; appends then reach nothing a
    # restart reads.
    rm "$dir/leases"
    pick_for "$OWNER" >/dev/null
    wait_for test -s "$dir/leases"
    wait_for grep -q "leases: removed or replaced while in use: written anew" "$SERVER_LOG"
    # The directory moved away and a new one put in its place.
    mv "$dir" "$dir.old"
    mkdir "$dir"
    pick_for "$OWNER" >/dev/null
    wait_for test -s "$dir/leases"
    crash_and_restart --pool 25420-25429 --state "$dir/leases"
    grep -q "3 leases kept" "$SERVER_LOG"
    [ -n "$(pick_for "$OWNER")" ]
}

@test "a state file removed while the server is idle is written anew within a second, no grant needed" {
    # Before: checked only a second after an append, so a file removed
    # while no grant came was never written anew, and a crash then lost
    # every lease.
    start_owner
    dir=$BATS_TEST_TMPDIR/state
    mkdir "$dir"
    start_server --pool 25720-25729 --state "$dir/leases"
    pick_for "$OWNER" 2 >/dev/null
    sleep 1.2 # past the sync after the grant
    rm "$dir/leases"
    wait_for test -s "$dir/leases"
    crash_and_restart --pool 25720-25729 --state "$dir/leases"
    grep -q "2 leases kept" "$SERVER_LOG"
    # Restored leases are watched too, from the start.
    rm "$dir/leases"
    wait_for test -s "$dir/leases"
    crash_and_restart --pool 25720-25729 --state "$dir/leases"
    grep -q "2 leases kept" "$SERVER_LOG"
}

@test "a server whose state file was removed never renames over a second server's file there" {
    # A second server may start on the path once the first one's file is
    # gone; before, the first one's repair renamed its file over the
    # second's locked one, and each lost the other's grants in turn.
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 25730-25739 --state "$state"
    first_log=$SERVER_LOG first_addr=$ADDR
    pick_for "$OWNER" >/dev/null
    sleep 1.2
    rm "$state"
    ADDR=$(new_address) SERVER_LOG=$BATS_TEST_TMPDIR/second.log
    start_server --pool 25740-25749 --state "$state"
    inode=$(stat -c %i "$state")
    pick_for "$OWNER" >/dev/null
    wait_for grep -q "locked by another process now (a second server?): no grant until it lets go" "$first_log"
    sleep 1.2 # another tick of the first server
    [ "$(stat -c %i "$state")" = "$inode" ]
    grep -q " G 2574[0-9] $OWNER " "$state"
    refute grep -q " G 2573[0-9] " "$state"
    # The first one refuses grants (it has nowhere to record them) and
    # still answers.
    [[ "$(ADDR=$first_addr raw "v1 pick $OWNER 1\n")" == "err server-error $state: locked by another process now (a second server?)" ]]
    [[ "$(ADDR=$first_addr raw "v1 leases\n")" == "ok 1"* ]]
}

@test "a symbolic link or a FIFO put at a removed state file's path is replaced, never taken for a server's file" {
    # Before 'another process's lock' was asked (the fix above), the link
    # was replaced; a first version of that fix read its ELOOP as "cannot
    # tell" and refused every grant after it (a helper's attack).
    start_owner
    dir=$BATS_TEST_TMPDIR/state
    mkdir "$dir"
    start_server --pool 25760-25769 --state "$dir/leases"
    pick_for "$OWNER" >/dev/null
    sleep 1.2
    rm "$dir/leases"
    ln -s "$BATS_TEST_TMPDIR/nowhere" "$dir/leases"
    wait_for test -f "$dir/leases" -a ! -L "$dir/leases"
    [ -n "$(pick_for "$OWNER")" ]
    [ ! -e "$BATS_TEST_TMPDIR/nowhere" ]
    sleep 1.2
    rm "$dir/leases"
    mkfifo "$dir/leases"
    wait_for test -f "$dir/leases" -a ! -p "$dir/leases"
    [ -n "$(pick_for "$OWNER")" ]
    crash_and_restart --pool 25760-25769 --state "$dir/leases"
    grep -q "3 leases kept" "$SERVER_LOG"
}

@test "a state file that is not a regular file, or is too big, stops the server with exit 3" {
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    run timeout 5 "$PORTPICKER" serve --address "$(new_address)" --state "$BATS_TEST_TMPDIR/fifo"
    [ "$status" -eq 3 ]
    [[ "$output" == *"fifo: not a regular file"* ]]
    truncate -s 65M "$BATS_TEST_TMPDIR/big"
    run timeout 5 "$PORTPICKER" serve --address "$(new_address)" --state "$BATS_TEST_TMPDIR/big"
    [ "$status" -eq 3 ]
    [[ "$output" == *"big: larger than 64 MiB: not a lease file"* ]]
}

# ---- 6. symbolic links ----

@test "links planted at the pidfile and the state file's temp file are removed, never followed" {
    victim
    shared_dir 1777
    "${NOBODY[@]}" ln -s "$VICTIM" "$SHARED/pp.pid"
    "${NOBODY[@]}" ln -s "$VICTIM" "$SHARED/leases.tmp"
    start_owner
    start_server --pool 22420-22429 --state "$SHARED/leases" --pidfile "$SHARED/pp.pid"
    victim_untouched
    [ "$(cat "$SHARED/pp.pid")" = "$SERVER_PID" ]
    [ ! -L "$SHARED/pp.pid" ]
    [ ! -e "$SHARED/leases.tmp" ]
    grep -q "pp.pid: a symbolic link was there: removed, not followed" "$SERVER_LOG"
    [ -n "$(pick_for "$OWNER")" ]
    # Planted again while it runs: the rewrite at shutdown does not follow it.
    "${NOBODY[@]}" ln -s "$VICTIM" "$SHARED/leases.tmp"
    stop_server
    [ "$SERVER_RC" -eq 0 ]
    victim_untouched
    grep -q " G 2242[0-9] $OWNER " "$SHARED/leases"
}

@test "directories another user made at the temp names of the state and metrics files stop neither the server nor its rewrites" {
    shared_dir 1777
    # Root may unlink another's file in a sticky directory, but no
    # directory: the fixed names PATH.tmp were blocked for good (exit 3 at
    # start: the state file is rewritten there).
    "${NOBODY[@]}" mkdir "$SHARED/leases.tmp" "$SHARED/m.prom.tmp"
    "${NOBODY[@]}" touch "$SHARED/leases.tmp/theirs"
    start_owner
    start_server --pool 25430-25439 --state "$SHARED/leases" --metrics-file "$SHARED/m.prom"
    [ -n "$(pick_for "$OWNER")" ]
    wait_for grep -q "^# EOF" "$SHARED/m.prom"
    stop_server
    [ "$SERVER_RC" -eq 0 ]
    grep -q " G 2543[0-9] $OWNER " "$SHARED/leases"
    # Theirs as they were, and no temp file of ours left beside them.
    [ -f "$SHARED/leases.tmp/theirs" ]
    [ -d "$SHARED/m.prom.tmp" ]
    [ -z "$(find "$SHARED" -name '*.tmp.*')" ]
}

@test "a link planted at the state file itself stops the server with exit 3, its target untouched" {
    victim
    shared_dir 1777
    "${NOBODY[@]}" ln -s "$VICTIM" "$SHARED/leases"
    run timeout 5 "$PORTPICKER" serve --address "$(new_address)" --state "$SHARED/leases"
    [ "$status" -eq 3 ]
    [[ "$output" == *"leases: is a symbolic link: not followed"* ]]
    victim_untouched
}

# ---- 7. the socket's mode ----

@test "a socket in a directory another user can write gets its mode at bind, and no file of theirs is chmod'ed" {
    command -v strace >/dev/null || skip "strace is not installed (it holds the server still after bind)"
    victim
    shared_dir 755 65534:65534
    # The attacker waits for the socket, moves it aside and puts a link to
    # the victim in its place; strace holds the server for 1 s after bind(2)
    # so the swap lands where a chmod by path would follow it.
    "${NOBODY[@]}" sh -c 'while [ ! -S "$1/pp.sock" ]; do sleep 0.01; done
        mv "$1/pp.sock" "$1/moved.sock" && ln -s "$2" "$1/pp.sock"' - "$SHARED" "$VICTIM" &
    track_pid $!
    ADDR=$SHARED/pp.sock
    SERVE_WRAP="strace -qq -o /dev/null -e trace=bind -e inject=bind:delay_exit=1000000" \
        start_server --pool 22430-22439 --socket-mode 660 --pidfile "$BATS_TEST_TMPDIR/pid"
    track_pid "$(cat "$BATS_TEST_TMPDIR/pid")"
    wait_for test -L "$SHARED/pp.sock"
    victim_untouched
    [ "$(stat -c %a "$SHARED/moved.sock")" = 660 ]
    start_owner
    ADDR=$SHARED/moved.sock
    [ -n "$(pick_for "$OWNER")" ]
}

# ---- 8. two servers, one state file ----

@test "a second server on the same state file exits 5 and the first keeps every lease" {
    start_owner
    state=$BATS_TEST_TMPDIR/leases
    start_server --pool 22440-22449 --state "$state"
    pick_for "$OWNER" >/dev/null
    cp "$state" "$BATS_TEST_TMPDIR/before"
    run timeout 5 "$PORTPICKER" serve --address "$(new_address)" --pool 22440-22449 --state "$state"
    [ "$status" -eq 5 ]
    [[ "$output" == *"leases: another server uses this state file" ]]
    cmp "$state" "$BATS_TEST_TMPDIR/before"
    pick_for "$OWNER" >/dev/null
    crash_and_restart --pool 22440-22449 --state "$state"
    grep -q "2 leases kept" "$SERVER_LOG"
    [ -n "$(pick_for "$OWNER")" ]
}

# ---- 1. who may own a lease ----

# as_nobody_ask PIECE: send PIECE (escapes as in raw) as uid 65534; prints
# the reply.
# The script goes in on stdin: the test tree may sit in a directory only
# root can read (CI copies it under mktemp -d).
as_nobody_ask() { "${NOBODY[@]}" "$PYTHON" - "$ADDR" "$1" <"$SERVE_CLIENT" 2>/dev/null; }

@test "an unprivileged user cannot lease under root's pid, the server's, pid 1 or a kernel thread, and is told why" {
    [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ] || skip "pid 2 is not kthreadd here"
    start_owner
    start_server --pool 23700-23709
    local pid
    for pid in "$OWNER" "$SERVER_PID" 1 2; do
        [[ "$(as_nobody_ask "v1 pick $pid 1\n")" == "err pid-refused "* ]]
    done
    grep -q "denied from pid [0-9]* (uid 65534): pid $OWNER belongs to another user" "$SERVER_LOG"
    grep -q "(uid 65534): pid 1 never exits" "$SERVER_LOG"
    grep -q "(uid 65534): pid 2 is a kernel thread" "$SERVER_LOG"
    [ "$(counter leases-held)" -eq 0 ]
    # root may still name any pid but those two; nobody its own processes.
    [[ "$(raw "v1 pick 2 1\n")" == "err pid-refused "* ]]
    [[ "$(raw "v1 pick $OWNER 1\n")" == "ok "* ]]
    start_owner "${NOBODY[@]}"
    port=$("${NOBODY[@]}" "$PORTPICKER" pick --server "$ADDR" "$OWNER")
    in_pool "$port" 23700 23709
}

# a_kernel_thread: the pid of a child of kthreadd whose stat flags have
# PF_KTHREAD (a kworker, say); fails when there is none.
a_kernel_thread() {
    local stat pid ppid flags
    for stat in /proc/[0-9]*/stat; do
        read -r pid _ _ ppid _ _ _ _ flags _ <"$stat" 2>/dev/null || continue
        if [ "$ppid" = 2 ] && [ $((flags & 0x200000)) -ne 0 ]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

@test "a caller's pid that its dead connector left to another user's process is not taken for the caller's own" {
    unshare --pid --fork --mount-proc true 2>/dev/null ||
        skip "cannot make a pid namespace (needs root)"
    # In a pid namespace of its own: uid 1000 connects, leaves the socket to
    # a child and exits; root's sleep gets its pid (ns_last_pid); the child
    # then names that pid, the one SO_PEERCRED gave for the connection.
    cat >"$BATS_TEST_TMPDIR/stale.py" <<'PY'
import os, socket, subprocess, sys, time
pp, addr, log = sys.argv[1:4]
server = subprocess.Popen([pp, "serve", "--address", addr, "--pool", "23790-23799"],
                          stderr=open(log, "w"))
for _ in range(100):
    if subprocess.run([pp, "check", "--server-up", "-q", "-s", addr]).returncode == 0:
        break
    time.sleep(0.05)
go_r, go_w = os.pipe()
out_r, out_w = os.pipe()
connector = os.fork()
if connector == 0:
    os.setgroups([])
    os.setresgid(1000, 1000, 1000)
    os.setresuid(1000, 1000, 1000)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + addr[1:])
    me = os.getpid()
    if os.fork() == 0:
        os.read(go_r, 1)
        s.sendall(b"v1 pick %d 1\n" % me)
        os.write(out_w, s.recv(300))
    os._exit(0)
os.waitpid(connector, 0)
with open("/proc/sys/kernel/ns_last_pid", "w") as f:
    f.write(str(connector - 1))
victim = subprocess.Popen(["sleep", "300"])
print("connector", connector, "victim", victim.pid, flush=True)
os.write(go_w, b"x")
print("reply", os.read(out_r, 300).decode().strip(), flush=True)
victim.kill()
server.terminate()
server.wait()
PY
    run unshare --pid --fork --mount-proc timeout 30 "$PYTHON" "$BATS_TEST_TMPDIR/stale.py" \
        "$PORTPICKER" "$(new_address)" "$BATS_TEST_TMPDIR/server.log"
    echo "$output"
    cat "$BATS_TEST_TMPDIR/server.log"
    pid=$(sed -n 's/^connector \([0-9]*\) victim .*/\1/p' <<<"$output")
    # the pid was reused, or the test proves nothing
    [[ "$output" == *"connector $pid victim $pid"* ]]
    [[ "$output" == *"reply err pid-refused pid $pid belongs to another user"* ]]
}

@test "root cannot lease to a kernel thread either, kthreadd or a child of it, and is told why" {
    [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ] || skip "pid 2 is not kthreadd here"
    kthread=$(a_kernel_thread) || skip "no child of kthreadd is visible here"
    start_server --pool 24510-24519
    local pid
    for pid in 2 "$kthread"; do
        [[ "$(raw "v1 pick $pid 1\n")" == "err pid-refused "* ]]
        grep -q "denied from pid [0-9]* (uid 0): pid $pid is a kernel thread: it never exits" "$SERVER_LOG"
    done
    [ "$(counter leases-held)" -eq 0 ]
    start_owner
    [[ "$(raw "v1 pick $OWNER 1\n")" == "ok "* ]]
}

@test "an unprivileged user is refused another user's process and granted one of its own, its uids read without /proc" {
    command -v strace >/dev/null || skip "strace is not installed"
    start_owner
    rooted=$OWNER
    start_server --pool 24520-24529
    # A process of nobody's, started by setpriv (which execs the binary
    # itself: under CI a shell of nobody's cannot reach the tree).
    start_owner "${NOBODY[@]}"
    own=$OWNER
    trace_opens "$BATS_TEST_TMPDIR/trace"
    [[ "$(as_nobody_ask "v1 pick $rooted 1\n")" == "err pid-refused "* ]]
    port=$("${NOBODY[@]}" "$PORTPICKER" pick -s "$ADDR" "$own")
    untrace
    in_pool "$port" 24520 24529
    grep -q "(uid 65534): pid $rooted belongs to another user: only root may lease to it" "$SERVER_LOG"
    grep -q "to pid $own (uid 65534)" "$SERVER_LOG"
    skip_without_pidfd_info
    cat "$BATS_TEST_TMPDIR/trace"
    [ "$(grep -c "/proc/$rooted/\|/proc/$own/" "$BATS_TEST_TMPDIR/trace")" -eq 0 ]
}

@test "the unmodified Python client, run by an unprivileged user, leases to itself and to its parent shell" {
    /usr/bin/python3 -c 'import portpicker' 2>/dev/null ||
        skip "/usr/bin/python3 cannot import portpicker (python3-portpicker)"
    start_server --pool 23710-23719
    run "${NOBODY[@]}" env PORTSERVER_ADDRESS="$ADDR" sh -c \
        '/usr/bin/python3 -c "import portpicker; print(portpicker.pick_unused_port())"
         /usr/bin/python3 -m portpicker $$'
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    in_pool "${lines[0]}" 23710 23719
    in_pool "${lines[1]}" 23710 23719
    [ "$(grep -c "to pid [0-9]* (uid 65534)" "$SERVER_LOG")" -eq 2 ]
}

# ---- 3. callers in other pid namespaces ----

# in_pidns SCRIPT: run sh -c SCRIPT as root in a new pid namespace (with
# its own /proc), PORTPICKER and ADDR in its environment.
in_pidns() {
    unshare --pid --fork --mount-proc env PORTPICKER="$PORTPICKER" ADDR="$ADDR" \
        sh -c "$1" || return 1
}

@test "a caller in its own pid namespace leases to itself, its parents and a sibling, with at most one scan of /proc" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    start_server --pool 23720-23729 --verbose
    run in_pidns 'sleep 300 & s=$!
        for i in 1 2 3; do "$PORTPICKER" pick -s "$ADDR" $$ || exit 1; done
        for i in 1 2 3; do "$PORTPICKER" pick -s "$ADDR" $s || exit 1; done
        "$PORTPICKER" pick -s "$ADDR" 4000 2>&1; kill $s'
    [ "${#lines[@]}" -eq 7 ]
    [[ "${lines[6]}" == *"refused"* ]]
    # $$ is the namespace's pid 1: the caller's parent, found by walking up.
    [ "$(grep -c "debug: pid 1 of pid [0-9]*'s namespace is our pid" "$SERVER_LOG")" -eq 3 ]
    [ "$(grep -c "debug: pid [0-9]* of pid [0-9]*'s namespace is our pid" "$SERVER_LOG")" -eq 6 ]
    # The sibling needed the map: one pass for three requests (the other
    # two are hits, checked against the process itself); the miss for 4000
    # waits for a pass begun after it came: one more.
    [ "$(grep -c "debug: pid map: " "$SERVER_LOG")" -le 2 ]
    grep -q "no pid 4000 in the caller's pid namespace" "$SERVER_LOG"
    start_owner
    [ -n "$(ask "$OWNER")" ]
}

@test "an unprivileged server never takes a container's pid for its own, and still serves the container's own line" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    ADDR=$(new_address)
    SERVE_WRAP="${NOBODY[*]}" start_server --pool 23730-23739
    # The caller's sibling has pid 2 in its namespace: pid 2 here is
    # kthreadd; the server cannot read a root caller's namespace, so it must
    # refuse rather than guess.
    run in_pidns 'sleep 300 & s=$!
        "$PORTPICKER" pick -s "$ADDR" -n 2 $s 2>&1
        "$PORTPICKER" pick -s "$ADDR" $$; kill $s'
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" == *"refused: pid 2 is not the caller or a parent of it, and the caller's pid namespace cannot be read"* ]]
    in_pool "${lines[1]}" 23730 23739
    start_owner "${NOBODY[@]}"
    port=$("${NOBODY[@]}" "$PORTPICKER" pick --server "$ADDR" "$OWNER")
    in_pool "$port" 23730 23739
}

@test "a caller outside the server's pid namespace is refused: its pid is never taken for one of the server's" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    ADDR=$(new_address)
    SERVER_LOG=$BATS_TEST_TMPDIR/server.log
    # The server is pid 1 of a namespace of its own (a container), a
    # sleeper its pid 2; we are outside, so SO_PEERCRED gives it no pid
    # for us, and our pid 2 (kthreadd) is not its pid 2.
    unshare --pid --kill-child=TERM --mount-proc sh -c 'sleep 300 & exec "$@"' sh \
        "$PORTPICKER" serve --address "$ADDR" --pool 25400-25409 --verbose \
        2>>"$SERVER_LOG" 3>&- &
    SERVER_PID=$!
    track_pid "$SERVER_PID"
    wait_for grep -q "listening on" "$SERVER_LOG"
    run raw "v1 pick 2 1\n"
    [[ "$output" == "err pid-refused the caller is in a pid namespace the server cannot see"* ]]
    run raw "2\n"
    [ -z "$output" ]
    [ "$(grep -c "to pid 2 " "$SERVER_LOG")" -eq 0 ]
    # Still serving: its status to us, a lease to a caller inside.
    pp check --server-up -s "$ADDR"
    inner=$(pgrep -P "$SERVER_PID")
    run nsenter -t "$inner" --pid sh -c '"$0" pick -s "$1" $$' "$PORTPICKER" "$ADDR"
    [ "$status" -eq 0 ]
    in_pool "$output" 25400 25409
}

@test "a caller in its own pid namespace with 1,201 groups leases to its sibling, not to the server's process of that number" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    start_server --pool 25410-25419 --verbose
    # The Groups: line pushes NSpid: past the first 4 KB of
    # /proc/PID/status: a text cut there read as our own namespace, and the
    # sibling's pid (4) as ours (a kernel thread here: refused).
    run in_pidns 'setpriv --groups "$(seq -s, 10000 11200)" sh -c '\''
        sleep 300 & s=$!; "$PORTPICKER" pick -s "$ADDR" $s 2>&1; kill $s'\'
    [ "$status" -eq 0 ]
    in_pool "$output" 25410 25419
    grep -q "debug: pid [0-9]* of pid [0-9]*'s namespace is our pid" "$SERVER_LOG"
    start_owner
    [ -n "$(ask "$OWNER")" ]
}

@test "a pid missing from a crowded pid namespace is looked for between other requests, which are answered first" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    start_server --pool 23740-23749 --verbose
    # In a namespace of 3,000 processes, a pick for a pid that is not there
    # needs a pass over /proc; a status asked 30 ms later must not wait for
    # it, and the pick still gets its answer.
    run unshare --pid --fork --mount-proc --kill-child "$PYTHON" -c '
import socket, sys, time, select
sys.path.insert(0, sys.argv[2])
import hostile
hostile.sleepers(3000)
try:
    def send(line):
        s = hostile.connect(sys.argv[1])
        s.settimeout(None)
        s.sendall(line)
        return s
    miss = send(b"v1 pick 4194305 1\n")
    time.sleep(0.03)
    status = send(b"v1 status\n")
    order, left = [], {miss: "miss", status: "status"}
    while left:
        ready, _, _ = select.select(list(left), [], [], 10)
        if not ready:
            break
        for s in ready:
            reply = s.recv(4096).decode()
            order.append(left.pop(s) + ": " + reply.split(" ")[0] + " " + reply.split(" ")[1])
    print("\n".join(order))
finally:
    hostile.kill_children()
' "$ADDR" "$BATS_TEST_DIRNAME/attack" 3>&-
    echo "$output"
    [ "${lines[0]}" = "status: ok portpicker" ]
    [ "${lines[1]}" = "miss: err no-such-pid" ]
    grep -q "no pid 4194305 in the caller's pid namespace" "$SERVER_LOG"
    start_owner
    [ -n "$(ask "$OWNER")" ]
}

# ---- 9. --no-pidfd and a pid reused at once ----

@test "with --no-pidfd a pid reused within the same clock tick does not keep the dead owner's lease" {
    unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a pid namespace here"
    # In a pid namespace of our own, ns_last_pid hands the dead owner's pid
    # to the next process at once; tests/reuse_pid.py retries until the
    # newcomer also starts in the owner's clock tick.
    run unshare --pid --fork --mount-proc env PORTPICKER="$PORTPICKER" \
        PYTHON="$PYTHON" REUSE="$BATS_TEST_DIRNAME/reuse_pid.py" \
        LOG="$BATS_TEST_TMPDIR/server.log" bash -c '
        a=@pp-reuse-$$
        "$PORTPICKER" serve --address $a --no-pidfd --pool 23750-23849 2>"$LOG" &
        for _ in $(seq 250); do grep -q listening "$LOG" && break; sleep 0.02; done
        coproc "$PYTHON" "$REUSE" $a
        read -r port <&"${COPROC[0]}" || exit 7
        for _ in $(seq 60); do
            "$PYTHON" -c "import socket; s = socket.socket(socket.AF_UNIX)
s.connect(\"\0\" + \"$a\"[1:]); s.sendall(b\"v1 leases\n\")
print(s.makefile().read(), end=\"\")" | grep -q "^port=$port " || break
            sleep 0.05
        done
        "$PYTHON" -c "import socket; s = socket.socket(socket.AF_UNIX)
s.connect(\"\0\" + \"$a\"[1:]); s.sendall(b\"v1 leases\n\")
print(s.makefile().read(), end=\"\")" | grep -c "^port=$port "
        exec {COPROC[1]}>&-; wait $COPROC_PID'
    [ "$status" -ne 7 ] || skip "no pid was reused within one clock tick in 50 tries"
    [ "$status" -eq 0 ]
    [ "$output" = 0 ]
}

# ---- 10. what `v1 leases` shows ----

@test "a lease's command line is shown only to its uid and root" {
    start_server --pool 23760-23769
    bash -c 'exec -a "dbtool --password=hunter2" sleep 300' &
    local secret=$!
    track_pid "$secret"
    [[ "$(raw "v1 pick $secret 1\n")" == "ok "* ]]
    start_owner "${NOBODY[@]}"
    [[ "$(as_nobody_ask "v1 pick $OWNER 1\n")" == "ok "* ]]
    run as_nobody_ask "v1 leases\n"
    [ "${lines[0]}" = "ok 2" ]
    grep -qx "port=[0-9]* pid=$secret uid=0 age=[0-9]* names=- cmd=" <<<"$output"
    [[ "$output" != *hunter2* ]]
    [[ "$output" == *"pid=$OWNER uid=65534 "*"cmd=sleep 300"* ]]
    [[ "$(raw "v1 leases\n")" == *"cmd=dbtool --password=hunter2 300"* ]]
}

# ---- 11. no /proc ----

@test "without /proc, serve says what it cannot do and serves by pidfd, or refuses to start" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "a sanitizer build's runtime needs /proc"
    unshare --mount true 2>/dev/null || skip "cannot make a mount namespace here"
    ADDR=$(new_address)
    run unshare --mount env PORTPICKER="$PORTPICKER" ADDR="$ADDR" sh -c '
        umount -l /proc || exit 9
        "$PORTPICKER" serve --address "$ADDR" --no-pidfd 2>&1; echo "rc=$?"
        "$PORTPICKER" serve --address "$ADDR" --pool 23770-23779 2>&1 & s=$!
        for _ in $(seq 100); do
            "$PORTPICKER" check --server-up -q -s "$ADDR" && break
            sleep 0.05
        done
        "$PORTPICKER" pick -s "$ADDR" $$ >/dev/null && echo granted
        kill $s; wait $s'
    [ "$status" -ne 9 ] || skip "cannot unmount /proc here"
    [[ "${lines[0]}" == *"error: no /proc: --no-pidfd cannot watch owners"* ]]
    [ "${lines[1]}" = "rc=3" ]
    [[ "$output" == *"warning: no /proc: owners are watched by pidfd"* ]]
    [[ "$output" == *"granted"* ]]
}

# lease_without_proc: with /proc unmounted (in a mount namespace), a
# server ($WRAP in front, if set) is asked by uid 1000 for its own process
# OWNER, then by uid 1001 for it; output holds the server's log and
# "own rc=N", "other rc=N".
lease_without_proc() {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "a sanitizer build's runtime needs /proc"
    unshare --mount true 2>/dev/null || skip "cannot make a mount namespace here"
    ADDR=$(new_address)
    local USER_A=(setpriv --reuid=1000 --regid=1000 --clear-groups)
    local USER_B=(setpriv --reuid=1001 --regid=1001 --clear-groups)
    # The owner is uid 1000's before /proc goes: start_owner waits for it.
    start_owner "${USER_A[@]}"
    # the server's own pid from its pidfile: $WRAP (strace) stands between
    run unshare --mount env PORTPICKER="$PORTPICKER" ADDR="$ADDR" OWNER="$OWNER" \
        A="${USER_A[*]}" B="${USER_B[*]}" WRAP="${WRAP:-}" \
        P="$BATS_TEST_TMPDIR/server.pid" sh -c '
        umount -l /proc || exit 9
        $WRAP "$PORTPICKER" serve --address "$ADDR" --pool 23780-23789 --pidfile "$P" 2>&1 & s=$!
        for _ in $(seq 100); do
            "$PORTPICKER" check --server-up -q -s "$ADDR" && break
            sleep 0.05
        done
        $A "$PORTPICKER" pick -s "$ADDR" -n 1 "$OWNER" >/dev/null; echo "own rc=$?"
        $B "$PORTPICKER" pick -s "$ADDR" -n 1 "$OWNER" >/dev/null; echo "other rc=$?"
        kill "$(cat "$P")"; wait $s'
    [ "$status" -ne 9 ] || skip "cannot unmount /proc here"
    echo "$output"
}

@test "without /proc, a user leases to its own processes as PIDFD_GET_INFO shows them, and not to another user's" {
    lease_without_proc
    if [[ "$output" == *"only to its own pid (no PIDFD_GET_INFO"* ]]; then
        # Linux < 6.13: only the caller's own pid is known to be its.
        [[ "$output" == *"own rc=6"* ]]
        [[ "$output" == *"without /proc only the caller's own pid can be checked (pid $OWNER)"* ]]
        skip "this kernel has no PIDFD_GET_INFO (Linux >= 6.13): checked that the own-pid rule holds"
    fi
    [[ "$output" == *"a caller other than root may lease only to processes of its uid (PIDFD_GET_INFO)"* ]]
    [[ "$output" == *"own rc=0"* ]]
    [[ "$output" == *"other rc=6"* ]]
    [[ "$output" == *"(uid 1001): pid $OWNER belongs to another user"* ]]
}

@test "without /proc and without PIDFD_GET_INFO (strace: ENOTTY), a user leases only to its own pid, as the warning says" {
    command -v strace >/dev/null || skip "strace is not installed (it takes PIDFD_GET_INFO away)"
    WRAP="strace -f -qq -o /dev/null -e inject=ioctl:error=ENOTTY" lease_without_proc
    [[ "$output" == *"a caller other than root may lease only to its own pid (no PIDFD_GET_INFO, Linux < 6.13)"* ]]
    [[ "$output" == *"own rc=6"* ]]
    [[ "$output" == *"(uid 1000): without /proc only the caller's own pid can be checked (pid $OWNER)"* ]]
    [[ "$output" == *"other rc=6"* ]]
}

@test "without /proc, a PIDFD_GET_INFO that fails at start for another reason (ESRCH) is not read as a kernel without it" {
    command -v strace >/dev/null || skip "strace is not installed (it fails the ioctl)"
    WRAP="strace -f -qq -o /dev/null -e inject=ioctl:error=ESRCH:when=1" lease_without_proc
    [[ "$output" == *"may lease only to processes of its uid where PIDFD_GET_INFO says it, else its own pid;"* ]]
    # the next ioctl answers: the owner is uid 1000's
    [[ "$output" == *"own rc=0"* ]]
    [[ "$output" == *"other rc=6"* ]]
}

@test "without /proc, pick leaves out the kernel's default ephemeral range and says so" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "a sanitizer build's runtime needs /proc"
    unshare --mount true 2>/dev/null || skip "cannot make a mount namespace here"
    run unshare --mount env PORTPICKER="$PORTPICKER" sh -c \
        'umount -l /proc || exit 9; "$PORTPICKER" pick --range 32760-32770'
    [ "$status" -ne 9 ] || skip "cannot unmount /proc here"
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" == "portpicker pick: cannot read the kernel's ephemeral range"*"leaving out 32768-60999"* ]]
    in_pool "${lines[1]}" 32760 32767
}

@test "without /proc/sys/net/ipv4, pick reads no uninitialised memory: no reserved port is guessed" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "valgrind runs the plain build"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    unshare --mount true 2>/dev/null || skip "cannot make a mount namespace here"
    # valgrind misreads some static libcs' own start-up (glibc's
    # set_robust_list): only a build it finds clean without the mount is
    # judged with it.
    valgrind -q --error-exitcode=99 "$PORTPICKER" --version >/dev/null 2>&1 ||
        skip "valgrind reports errors in this build's libc start-up (portpicker --version)"
    run --separate-stderr unshare --mount env PORTPICKER="$PORTPICKER" sh -c \
        'mount -t tmpfs none /proc/sys/net/ipv4 || exit 90
         valgrind -q --error-exitcode=99 "$PORTPICKER" pick --range 32760-32770'
    [ "$status" -ne 90 ] || skip "cannot mount over /proc/sys/net/ipv4 here"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ "$stderr" != *"uninitialised"* ]]
    [[ "$stderr" == "portpicker pick: cannot read the kernel's ephemeral range"* ]]
    in_pool "$output" 32760 32767
}

# ---- 2. memory: clients that ask for the lease table and never read ----

# long_owner: a live process with a 100 kB command line, in OWNER. One
# process, not a shell and its sleep: killing OWNER must leave nothing
# behind to hold bats' output open.
long_owner() {
    "$PYTHON" -c 'import time; time.sleep(300)' "$(printf '%*s' 100000 '' | tr ' ' x)" &
    OWNER=$!
    track_pid "$OWNER"
}

# vm_hwm PID: the peak resident set of PID, in kB.
vm_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

@test "50 clients that ask for 2,000 leases and never read keep the server small, and others are answered in full" {
    start_server --pool 20000-22999 --quiet
    long_owner
    pick_for "$OWNER" 1000 >/dev/null
    pick_for "$OWNER" 1000 >/dev/null
    "$PYTHON" -c '
import socket, sys, time
held = []
for _ in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + sys.argv[1][1:])
    s.sendall(b"v1 leases\n")
    held.append(s)
time.sleep(2)
' "$ADDR" &
    track_pid $!
    sleep 1
    hwm=$(vm_hwm "$SERVER_PID")
    echo "VmHWM ${hwm} kB"
    [ "$hwm" -lt 16384 ]
    # A normal request is answered, and a reader gets every lease, cut.
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
    run pp check --leases -s "$ADDR"
    [ "$status" -eq 0 ]
    [ "$(grep -c " -c import time; time.sleep(300) x" <<<"$output")" -eq 2000 ]
    line=$(grep -m1 " time.sleep(300) x" <<<"$output")
    [ "${#line}" -lt 400 ]
}

# ---- 4. file descriptors: a flood of connections ----

# flood N SECONDS: as nobody, open N connections that send nothing and hold
# them for SECONDS; prints how many the server closed meanwhile.
flood() {
    "${NOBODY[@]}" "$PYTHON" -c '
import socket, sys, time
addr, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
held = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect("\0" + addr[1:])
    except OSError:
        continue
    held.append(s)
time.sleep(secs)
closed = 0
for s in held:
    s.setblocking(False)
    try:
        # Closed at once, or told "err busy" first (evicted by the cap).
        got = s.recv(4096)
        closed += got == b"" or got.startswith(b"err busy ")
    except BlockingIOError:
        pass
print(closed)
' "$ADDR" "$1" "$2"
}

@test "a user beyond its connection cap loses its own oldest connections, never root's" {
    start_server --pool 21500-21509 --max-connections-per-uid 5
    raw --delay 2 '' 'v1 status\n' >"$BATS_TEST_TMPDIR/root-idle" &
    track_pid $!
    sleep 0.2
    closed=$(flood 20 1)
    echo "server closed $closed of nobody's 20"
    [ "$closed" -ge 15 ]
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
    wait_for grep -q "^ok portpicker" "$BATS_TEST_TMPDIR/root-idle"
}

@test "with 64 fds, a flood from one user leaves room for another's request" {
    SERVE_WRAP="prlimit --nofile=64:64" start_server --pool 21510-21519
    flood 200 3 >/dev/null &
    track_pid $!
    sleep 1
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
    grep -q "per uid: 5 leases, 12 connections" "$SERVER_LOG"
}

@test "under a large fd limit one user may still hold at most 4096 connections by default" {
    conns=$(sed -nE 's/^#define PORTPICKER_CONNS_PER_UID_MAX ([0-9]+)$/\1/p' \
        "$BATS_TEST_DIRNAME/../include/portpicker_defaults.h")
    [ "$conns" -ge 1 ]
    # The server takes all the fds it may; a quarter of them must be more
    # than the ceiling for it to show (16,396 fds; the hard limit here
    # cannot be raised without CAP_SYS_RESOURCE).
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ $(((hard - 16) / 4)) -gt "$conns" ] ||
        skip "hard fd limit $hard: a quarter of it is no more than $conns"
    start_server --pool 21520-21529
    grep -q "per uid: 5 leases, $conns connections" "$SERVER_LOG"
    # The cap is the one accept.c enforces (the tests above, under
    # ulimit -n 64, show it at work).
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
}

# pidfds SERVER_PID: how many pidfds the server holds.
pidfds() {
    local n=0 fd
    for fd in /proc/"$1"/fd/*; do
        [ "$(readlink "$fd")" != "anon_inode:[pidfd]" ] || n=$((n + 1))
    done
    echo "$n"
}

@test "with 64 fds, one user's owners take at most half, its idle connections the rest of its share, and root is still answered" {
    SERVE_WRAP="prlimit --nofile=64:64" start_server --pool 21530-21629
    grep -q "owners watched by fd: at most 24; beyond, polled" "$SERVER_LOG"
    # Nobody leases to 40 processes of its own (within its quota of 50),
    # then holds 12 idle connections (its cap) and reopens each one closed.
    # From a directory nobody can read: the tree may sit in root's 0700
    # temporary directory (.ci/run copies it there).
    shared_dir 755
    cp "$BATS_TEST_DIRNAME/attack/hostile.py" "$SHARED/"
    "${NOBODY[@]}" "$PYTHON" "$SHARED/hostile.py" owners \
        "$ADDR" 40 12 30 >"$BATS_TEST_TMPDIR/hostile" 3>&- &
    HOSTILE=$!
    track_pid "$HOSTILE"
    wait_for grep -q ready "$BATS_TEST_TMPDIR/hostile"
    echo "server pidfds: $(pidfds "$SERVER_PID")"
    [ "$(pidfds "$SERVER_PID")" -le 24 ]
    sleep 0.5
    run pp check --server-up -t 5 -s "$ADDR"
    [ "$status" -eq 0 ]
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
    # Nobody's owners die: the polled ones are reclaimed too.
    kill "$HOSTILE"
    wait "$HOSTILE" || true
    wait_for eval '[ "$(counter leases-held)" -eq 1 ]'
}

@test "by default one user may lease half the pool (err quota), and others still get ports" {
    start_server --pool 21520-21529
    "${NOBODY[@]}" sleep 300 &
    track_pid $!
    run "${NOBODY[@]}" "$PYTHON" - "$ADDR" "v1 pick $! 6\n" <"$SERVE_CLIENT"
    [[ "$output" == "err quota "* ]]
    run "${NOBODY[@]}" "$PYTHON" - "$ADDR" "v1 pick $! 5\n" <"$SERVE_CLIENT"
    [[ "$output" == "ok "* ]]
    run "${NOBODY[@]}" "$PYTHON" - "$ADDR" "v1 pick $! 1\n" <"$SERVE_CLIENT"
    [[ "$output" == "err quota "* ]]
    start_owner
    [ "$(pick_for "$OWNER" 5 | wc -l)" -eq 5 ]
}

@test "a server in a user namespace refuses every user it does not map, so none can release or lease as another (docs/security.md, 15)" {
    unshare --user --map-root-user true 2>/dev/null || skip "cannot make a user namespace here"
    SERVE_WRAP="unshare --user --map-root-user" start_server --pool 22600-22609
    overflow=$(cat /proc/sys/kernel/overflowuid)
    grep -q "notice: callers of uid $overflow are refused: every user this user namespace does not map reads as it" "$SERVER_LOG"
    USER_A=(setpriv --reuid=1000 --regid=1000 --clear-groups)
    USER_B=(setpriv --reuid=1001 --regid=1001 --clear-groups)
    "${USER_A[@]}" sleep 30 &
    owner=$!
    track_pid "$owner"
    # Both read as the overflow uid in there: neither is served.
    run --separate-stderr "${USER_A[@]}" "$PORTPICKER" pick -s "$ADDR" "$owner"
    [ "$status" -eq 6 ]
    [[ "$stderr" == *"refused: uid $overflow is the overflow uid of the server's user namespace"* ]]
    # Root, mapped, leases to A's process; B cannot release it.
    port=$(pp pick -s "$ADDR" "$owner")
    run --separate-stderr "${USER_B[@]}" "$PORTPICKER" release -s "$ADDR" "$port"
    [ "$status" -eq 6 ]
    run pp check --leases -s "$ADDR"
    grep -qE "^$port +$owner " <<<"$output"
    [ -n "$(pick_for "$$")" ]
}

@test "a request waiting for the pid map that the connection cap closes is told busy, however long, never reset" {
    unshare --user --map-root-user --pid --fork --mount-proc true 2>/dev/null ||
        skip "cannot make a user and pid namespace here"
    start_server --pool 25500-25699 --max-leases-per-uid 0 --max-connections-per-uid 2
    # In its own namespaces, nobody asks for a pid the server's map lacks
    # (a pass begins), then for another with 128 names (4113 bytes, more
    # than one drain takes), which waits for a pass begun after it; two
    # more connections put nobody over its cap, which closes the waiting
    # one. It gets its "err busy" and a close, not a reset.
    run "${NOBODY[@]}" unshare --user --map-root-user --pid --fork --mount-proc \
        "$PYTHON" -c '
import socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect("\0" + sys.argv[1][1:] if sys.argv[1].startswith("@") else sys.argv[1])
    return s
def reply(s):
    out = b""
    try:
        while True:
            got = s.recv(4096)
            if not got:
                return out
            out += got
    except ConnectionResetError:
        return out + b"<reset>"
a = conn(); a.sendall(b"v1 pick 4000 1\n"); reply(a)
names = " ".join("N%03d%s" % (i, "x" * 27) for i in range(128))
b = conn(); b.sendall(("v1 pick 4001 128 %s\n" % names).encode())
time.sleep(0.2)
c, d = conn(), conn()
print(repr(reply(b)))
' "$ADDR"
    echo "$output"
    [[ "$output" == "b'err busy "* ]]
    [[ "$output" != *"<reset>"* ]]
    # The server still serves.
    start_owner
    [ -n "$(pick_for "$OWNER")" ]
}
