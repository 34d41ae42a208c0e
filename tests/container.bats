#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What the Dockerfile's FROM scratch image does, proved without Docker: the
# binary alone in an empty directory, run with unshare (new pid, mount and
# network namespaces) and chroot.

load helpers

setup() {
    ldd "$PORTPICKER" >/dev/null 2>&1 &&
        skip "$PORTPICKER is dynamically linked: an empty root has no libc"
    command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
    ROOT=$BATS_TEST_TMPDIR/root
    mkdir -p "$ROOT"
    cp "$PORTPICKER" "$ROOT/portpicker"
}

# in_container SCRIPT [ARG...]: SCRIPT runs in sh (the host's, outside the
# chroot) as pid 1 of new pid, mount and network namespaces, with $1 the
# empty root, $2 the test's directory, $3... the ARGs. Everything it starts
# dies with it.
in_container() {
    local script=$1
    shift
    timeout 30 unshare --pid --fork --mount --net sh -c "$script" sh "$ROOT" "$BATS_TEST_TMPDIR" "$@"
}

# Serve from the root at /pp.sock, with OWNER a process of the namespace
# (pid 1 never exits, so it may own no lease), then pick against it.
SERVE_AND_PICK='
    cd /; sleep 30 & owner=$!
    chroot "$1" /portpicker serve --address /pp.sock --pool 20100-20109 --state /leases 2>"$2/serve.log" &
    for _ in $(seq 200); do [ -S "$1/pp.sock" ] && break; sleep 0.02; done
    chroot "$1" /portpicker check --server-up --server /pp.sock >/dev/null; echo "served: $?"
    out=$(chroot "$1" /portpicker pick --server /pp.sock "$owner" 2>&1); echo "leased: $? $out"
    out=$(chroot "$1" /portpicker pick 2>&1); echo "local: $? $out"
'

@test "the binary alone in an empty root serves and picks, with /proc mounted" {
    run in_container 'mkdir "$1/proc" && mount -t proc proc "$1/proc" || exit 90
        '"$SERVE_AND_PICK"'
        chroot "$1" /portpicker check --leases --server /pp.sock'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "served: 0" ]
    [[ "${lines[1]}" =~ ^leased:\ 0\ 2010[0-9]$ ]]
    port=${lines[1]##* }
    [[ "${lines[2]}" =~ ^local:\ 0\ [0-9]+$ ]]
    grep -qE "^$port +[0-9]+ +0 .*sleep 30" <<<"$output"
}

@test "the binary alone in an empty root without /proc serves, answers and picks locally" {
    run in_container "$SERVE_AND_PICK"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "served: 0" ]
    # Without /proc the owner is watched by pidfd alone: granted from the
    # pool, or (no pidfd) refused (exit 6) with one line; never anything else.
    [[ "${lines[1]}" =~ ^leased:\ (0\ 2010[0-9]|6\ portpicker\ pick:\ .*refused.*)$ ]]
    # pick says it leaves out the kernel's default ephemeral range instead.
    [[ "${lines[2]}" == "local: 0 portpicker pick: cannot read the kernel's ephemeral range"* ]]
    [[ "${lines[3]}" =~ ^[0-9]+$ ]]
    # Nothing but the socket and the state file appeared in the root.
    [ "$(ls "$ROOT" | tr '\n' ' ')" = "leases portpicker pp.sock " ]
}

@test "a container's own network namespace reaches a host server through a bind-mounted path socket, not through an abstract name" {
    mkdir "$BATS_TEST_TMPDIR/run" "$ROOT/run"
    "$PORTPICKER" serve --quiet --address "$BATS_TEST_TMPDIR/run/pp.sock" --pool 20110-20119 2>/dev/null &
    track_pid $!
    "$PORTPICKER" serve --quiet --address @pp-container-test --pool 20120-20129 2>/dev/null &
    track_pid $!
    for _ in $(seq 200); do
        [ -S "$BATS_TEST_TMPDIR/run/pp.sock" ] && pp check --quiet --server-up --server @pp-container-test && break
        sleep 0.02
    done
    pp check --quiet --server-up --server @pp-container-test
    # pid 1 of the container (its sh) owns the lease: the server finds it by
    # the caller's pid namespace.
    run in_container 'mount --bind "$2/run" "$1/run" || exit 90
        chroot "$1" /portpicker pick --server /run/pp.sock 1 || exit 91
        chroot "$1" /portpicker check --leases --server /run/pp.sock | grep -c "^201"
        chroot "$1" /portpicker pick --server @pp-container-test 1 2>/dev/null; echo "abstract: $?"'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^2011[0-9]$ ]]
    [ "${lines[1]}" = 1 ]
    [ "${lines[-1]}" = "abstract: 7" ]
    # The container is gone, and its pid 1 with it: the lease ends.
    for _ in $(seq 100); do
        [ -z "$(pp check --leases --server "$BATS_TEST_TMPDIR/run/pp.sock" | grep '^201')" ] && return 0
        sleep 0.05
    done
    pp check --leases --server "$BATS_TEST_TMPDIR/run/pp.sock"
    return 1
}

@test "as the image's USER, not root, a container reaches the host's socket (mode 666, as the unit makes it) and leases to its own process" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    [ "$(id -u)" = 0 ] || skip "switching to the image's uid needs root"
    user=$(sed -n 's/^USER \([0-9]*:[0-9]*\)$/\1/p' "$BATS_TEST_DIRNAME/../Dockerfile")
    [ -n "$user" ]
    [ "${user%%:*}" != 0 ]
    mkdir -m 755 "$BATS_TEST_TMPDIR/run" "$ROOT/run"
    "$PORTPICKER" serve --quiet --address "$BATS_TEST_TMPDIR/run/pp.sock" --socket-mode 666 \
        --pool 20130-20139 2>/dev/null &
    track_pid $!
    for _ in $(seq 200); do [ -S "$BATS_TEST_TMPDIR/run/pp.sock" ] && break; sleep 0.02; done
    # The owner is a process of the container's user (a lease is tied to a
    # process of the caller's uid), the caller the binary run as that user.
    run in_container 'mount --bind "$2/run" "$1/run" || exit 90
        u=${3%%:*} g=${3#*:}
        setpriv --reuid=$u --regid=$g --clear-groups sleep 30 & owner=$!
        chroot --userspec="$3" "$1" /portpicker pick --server /run/pp.sock $owner; echo "rc=$?"
        chroot --userspec="$3" "$1" /portpicker check --leases --server /run/pp.sock' "$user"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^2013[0-9]$ ]]
    [ "${lines[1]}" = rc=0 ]
    grep -qE "^${lines[0]} +[0-9]+ +${user%%:*} .*sleep 30" <<<"$output"
}
