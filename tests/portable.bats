#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The portable core stays portable: what only Linux has is used only in the
# files the Makefile builds for Linux (lib/*_linux.c, lib/sockdiag.c, the
# server), never in the files every system builds (lib/os.h).

load helpers

TOP=$BATS_TEST_DIRNAME/..

# Linux-only calls, constants and headers, as an extended regex; and files.
LINUX_ONLY='\b(AF_NETLINK|NETLINK_[A-Z_]+|getrandom|GRND_[A-Z]+|close_range|SOCK_CLOEXEC|SOCK_NONBLOCK|MSG_NOSIGNAL|epoll_[a-z_]+|signalfd|pidfd_[a-z_]+|accept4|SO_PEERCRED|SYS_[a-z_]+|syscall|prctl|sd_notify)\b'
LINUX_FILES='"/proc/|"/sys/'
# The same, as the functions an object may call.
LINUX_CALLS='getrandom|close_range|epoll_[a-z_0-9]+|signalfd|pidfd_[a-z_]+|accept4|syscall|prctl'

# linux_only_in FILE...: each line of code (comments removed, macros not
# expanded) that uses something Linux-only, as FILE:LINE: TEXT: a name
# outside strings (the --features table names mechanisms), a file in one.
linux_only_in() {
    local f code
    for f in "$@"; do
        code=$(gcc -std=c11 -fpreprocessed -dD -E -P "$TOP/$f" 2>/dev/null)
        { sed 's/"[^"]*"/""/g' <<<"$code" | grep -nE "$LINUX_ONLY"
          grep -nE "$LINUX_FILES" <<<"$code"; } | sed "s|^|$f:|"
    done
}

setup() {
    command -v gcc >/dev/null || skip "gcc is not installed (its -fpreprocessed strips comments)"
}

@test "no Linux-only call, constant or /proc path is in a file the macOS or POSIX build compiles" {
    for platform in macos posix; do
        files=$(make -s -C "$TOP" list-sources PLATFORM=$platform)
        [ -n "$files" ]
        found=$(linux_only_in $files)
        [ -z "$found" ] || { echo "in the $platform build: $found"; return 1; }
    done
    # The check finds each kind where it belongs.
    [ -n "$(linux_only_in lib/socket_linux.c | grep SOCK_CLOEXEC)" ]
    [ -n "$(linux_only_in lib/kernel_ports_linux.c | grep /proc/)" ]
    [ -n "$(linux_only_in lib/cloexec_linux.c | grep close_range)" ]
}

@test "the POSIX build's objects call no Linux-only function and hold no /proc path" {
    files=$(make -s -C "$TOP" list-sources PLATFORM=posix)
    cd "$BATS_TEST_TMPDIR"
    for f in $files; do
        gcc -std=c11 -D_GNU_SOURCE -I"$TOP" -O1 -c "$TOP/$f" -o "$(basename "$f" .c).o"
    done
    calls=$(nm -u ./*.o | grep -owE "$LINUX_CALLS" | sort -u)
    [ -z "$calls" ] || { echo "the POSIX build calls: $calls"; return 1; }
    run grep -l /proc/ ./*.o
    [ "$status" -eq 1 ]
    # The Linux files do, so the check can fail.
    gcc -std=c11 -D_GNU_SOURCE -I"$TOP" -O1 -c "$TOP/lib/seed_getrandom.c" "$TOP/lib/cloexec_linux.c"
    [ "$(nm -u seed_getrandom.o cloexec_linux.o | grep -owE "$LINUX_CALLS" | sort -u | tr '\n' ' ')" = "getrandom syscall " ]
    grep -q /proc/ cloexec_linux.o
}
