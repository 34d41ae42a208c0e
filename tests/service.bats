#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The systemd units make install writes: valid, hardened, and pointing at the
# installed binary and man page.

load helpers

TOP=$BATS_TEST_DIRNAME/..

setup() {
    command -v systemd-analyze >/dev/null ||
        skip "systemd-analyze is not installed (apt-get install systemd)"
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "installs the release build only"
    # No DESTDIR: verify checks that ExecStart and the man page exist.
    USR=$BATS_TEST_TMPDIR/usr
    make -s -C "$TOP" -o portpicker install PREFIX="$USR" UNITDIR="$USR/lib/systemd/system"
    UNITS=$USR/lib/systemd/system
}

@test "systemd-analyze verify finds nothing to say about the installed units" {
    run env MANPATH="$USR/share/man" systemd-analyze verify \
        "$UNITS/portpicker.service" "$UNITS/portpicker.socket"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "the installed service rates an exposure of 2.0 or less in systemd-analyze security" {
    run systemd-analyze security --offline=yes --no-pager "$UNITS/portpicker.service"
    echo "$output" | grep -E '✗|Overall'
    score=$(sed -n 's/.*Overall exposure level for portpicker.service: \([0-9.]*\).*/\1/p' <<<"$output")
    echo "# exposure $score" >&3
    [ -n "$score" ]
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
}

@test "the service runs unprivileged, with the socket and the journal in its own directories" {
    unit=$UNITS/portpicker.service
    grep -qx 'DynamicUser=yes' "$unit"
    grep -qx 'CapabilityBoundingSet=' "$unit"
    grep -qx 'RuntimeDirectory=portpicker' "$unit"
    grep -qx 'StateDirectory=portpicker' "$unit"
    grep -qx "ExecStart=$USR/bin/portpicker serve --address /run/portpicker/portpicker.sock --socket-mode 666 --state /var/lib/portpicker/leases" "$unit"
    grep -qx 'ListenStream=/run/portpicker/portpicker.sock' "$UNITS/portpicker.socket"
    refute grep -qE '^(PrivateNetwork|PrivateUsers)=' "$unit"
}

@test "the server runs as the service's unprivileged user: root's pick, leases and release work against it" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    # bats makes its run directory 0700: let the server's user through to its own.
    chmod o+x "$BATS_RUN_TMPDIR"
    dir=$BATS_TEST_TMPDIR/run
    mkdir -m 755 "$dir"
    chown 65534:65534 "$dir"
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        "$USR/bin/portpicker" serve --quiet --address "$dir/portpicker.sock" --socket-mode 666 \
        --pool 21000-21009 --state "$dir/leases" 2>"$dir/log" &
    track_pid $!
    for _ in $(seq 100); do [ -S "$dir/portpicker.sock" ] && break; sleep 0.02; done
    export PORTSERVER_ADDRESS=$dir/portpicker.sock
    run pp pick -n 2 $$
    [ "$status" -eq 0 ]
    port=${lines[0]}
    run pp check --leases
    grep -qE "^$port +$$ +0 " <<<"$output"
    run pp release "$port"
    [ "$status" -eq 0 ]
    # the journal (framed records: LEN CRC PAYLOAD) was written by the unprivileged user
    grep -qE "^[0-9]+ [0-9a-f]{8} G $port $$ " "$dir/leases"
}

@test "the unprivileged server leases to a container's own line always, and to its other pids only with the CAP_SYS_PTRACE drop-in of docs/serve.md" {
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    grep -qE '^ *AmbientCapabilities=CAP_SYS_PTRACE$' "$BATS_TEST_DIRNAME/../docs/serve.md"
    for caps in -all +sys_ptrace; do
        setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps --ambient-caps=$caps \
            "$USR/bin/portpicker" serve --quiet --address @pp-service-$caps --pool 21010-21019 2>/dev/null &
        track_pid $!
        for _ in $(seq 100); do pp check --quiet --server-up --server @pp-service-$caps && break; sleep 0.02; done
        # The container's init (the caller's parent) asks for itself, then
        # for its other child, pid 2 of the namespace.
        run timeout 10 unshare --pid --fork --mount-proc env P="$PORTPICKER" A=@pp-service-$caps \
            sh -c 'sleep 30 & s=$!; "$P" pick --server $A 1; "$P" pick --server $A $s; echo "rc=$?"; kill $s'
        echo "$caps: $status $output"
        [[ "${lines[0]}" =~ ^2101[0-9]$ ]]
        case $caps in
        -all) [ "${lines[-1]}" = rc=6 ] ;; # it cannot read the caller's pid namespace
        *)
            [[ "${lines[1]}" =~ ^2101[0-9]$ ]]
            [ "${lines[2]}" = rc=0 ]
            ;;
        esac
    done
}
