#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What the server reads of /proc (serve/proc_fields.c, through
# tests/proc_fields.c): a field the kernel would never write is an error,
# never some number taken for a uid, a pid or a start time.

load helpers

TOP=$BATS_TEST_DIRNAME/..

setup() { build_tool proc_fields; }

# field N STAT_LINE: field N of STAT_LINE (printf escapes), in $output.
field() { run -0 "$TOP/build/proc_fields" stat "$1" "$(printf "$2")"; }
# numbers KEY HI STATUS_TEXT: the numbers of KEY's line, in $output.
numbers() { run -0 "$TOP/build/proc_fields" status "$(printf "$1")" "$2" "$(printf "$3")"; }

STAT='4242 (a) b (c)) S 1 4242 4242 0 -1 %s 0 0 0 0 3 1 0 0 20 0 1 0 %s 0 0\n'
UID_MAX=4294967295

@test "a stat line's flags and start time are read after the command's last ')', past 32 bits" {
    field 9 "$(printf "$STAT" 4194560 5000000000)"
    [ "$output" = 4194560 ]
    field 22 "$(printf "$STAT" 4194560 5000000000)"
    [ "$output" = 5000000000 ]
    field 22 "$(printf "$STAT" 0 18446744073709551615)"
    [ "$output" = 18446744073709551615 ]
}

@test "a stat field that is negative, signed, not digits, empty or over 64 bits is an error" {
    for bad in -1 +7 12x x '' 18446744073709551616 123456789012345678901234; do
        field 22 "$(printf "$STAT" 0 "$bad")"
        [ "$output" = error ] || { echo "start time '$bad' read as $output"; false; }
    done
    field 60 "$(printf "$STAT" 0 1)"
    [ "$output" = error ]
    field 22 '4242 (no end of name S 1 2\n'
    [ "$output" = error ]
}

@test "a status line's numbers are read up to its end, and a missing line is none" {
    local text='Name:\tsleep\nPPid:\t17\nUid:\t1000\t1001\t1002\t1003\nNSpid:\t4242\t7\t1\n'
    numbers '\nUid:' $UID_MAX "$text"
    [ "$output" = "1000 1001 1002 1003" ]
    numbers '\nNSpid:' 2147483647 "$text"
    [ "$output" = "4242 7 1" ]
    numbers '\nPPid:' 2147483647 "$text"
    [ "$output" = 17 ]
    numbers '\nTgid:' 2147483647 "$text"
    [ "$output" = "" ]
    numbers '\nUid:' $UID_MAX 'Name:\tx\nUid:\t4294967295\t0\t0\t0\n'
    [ "$output" = "4294967295 0 0 0" ]
}

@test "a status number that is negative, not digits or beyond its range is an error, never a uid" {
    for bad in -1 +1 0x10 1000x 4294967296 99999999999999999999999; do
        numbers '\nUid:' $UID_MAX "Name:\tx\nUid:\t$bad\t1000\t1000\t1000\nGid:\t0\n"
        [ "$output" = error ] || { echo "uid '$bad' read as $output"; false; }
    done
    numbers '\nPPid:' 2147483647 'Name:\tx\nPPid:\t2147483648\n'
    [ "$output" = error ]
}

@test "only the initial user namespace's uid_map, every uid to itself, reads as mapping all" {
    for whole in '         0          0 4294967295\n' '0 0 4294967295' '0\t0\t4294967295\n'; do
        run -0 "$TOP/build/proc_fields" uid_map "$(printf "$whole")"
        [ "$output" = 1 ] || { echo "'$whole' read as not whole"; false; }
    done
    for part in '         0       1000          1\n' '0 0 4294967294\n' '0 0 4294967295\n1 1 1\n' \
        '0 0 42949672950\n' '1 1 4294967295\n' '' '0 0'; do
        run -0 "$TOP/build/proc_fields" uid_map "$(printf "$part")"
        [ "$output" = 0 ] || { echo "'$part' read as whole"; false; }
    done
}

@test "a file of one number (overflowuid) is read with its newline or without, and nothing else" {
    for good in $'65534\n' 65534; do
        run -0 "$TOP/build/proc_fields" number 4294967294 "$good"
        [ "$output" = 65534 ] || { echo "'$good' read as $output"; false; }
    done
    for bad in $'65534\n\n' $'65534 1\n' $'-1\n' '' $'4294967295\n' $'x\n' $'\n65534'; do
        run -0 "$TOP/build/proc_fields" number 4294967294 "$bad"
        [ "$output" = error ] || { echo "'$bad' read as $output"; false; }
    done
}
