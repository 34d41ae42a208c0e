#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --help is the one source: every option it lists must be in the man page and
# both completions, and the completions offer nothing --help does not list.

load helpers

TOP=$BATS_TEST_DIRNAME/..

# The options an applet's --help lists, one per line.
help_options() {
    pp "$1" --help | grep -E '^ +-' | grep -oE -- '(^|[ ,])-(-[a-z][a-z0-9_-]*|[a-zA-Z0-9])' |
        tr -d ' ,' | sort -u
}

# has_word FILE WORD: WORD stands in FILE as a whole option, not inside a longer one.
has_word() {
    sed 's/\\-/-/g' "$1" | grep -qE -- "(^|[^a-zA-Z0-9_-])$2([^a-zA-Z0-9_-]|\$)"
}

@test "every option in each applet's --help is in the man page" {
    for applet in $(built_applets $(table_applets)); do
        for opt in $(help_options "$applet"); do
            has_word "$TOP/portpicker.1" "$opt" || { echo "portpicker.1 lacks $applet $opt"; return 1; }
        done
    done
}

@test "every option in each applet's --help is in the bash completion" {
    for applet in $(built_applets $(table_applets)); do
        words=$(grep -E "^ *$applet\) echo" "$TOP/completions/portpicker.bash")
        for opt in $(help_options "$applet"); do
            [[ " ${words//\"/ } " == *" $opt "* ]] || { echo "bash completion lacks $applet $opt"; return 1; }
        done
    done
}

@test "the bash completion offers no option that --help does not list" {
    for applet in $(built_applets $(table_applets)); do
        known=" $(help_options "$applet" | tr '\n' ' ') "
        words=$(grep -E "^ *$applet\) echo" "$TOP/completions/portpicker.bash" | sed 's/.*echo "//; s/".*//')
        for opt in $words; do
            [[ "$known" == *" $opt "* ]] || { echo "bash completion offers unknown $applet $opt"; return 1; }
        done
    done
}

@test "every option in each applet's --help is in the zsh completion" {
    for applet in $(built_applets $(table_applets)); do
        for opt in $(help_options "$applet"); do
            has_word "$TOP/completions/_portpicker" "$opt" || { echo "zsh completion lacks $applet $opt"; return 1; }
        done
    done
}

# The options an applet's --help lists with a value (-n, --count N), one a line.
help_value_options() {
    pp "$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
        grep -E -- '-[a-z0-9_-]+ [A-Z]' | grep -oE -- '(^|[ ,])-(-[a-z][a-z0-9_-]*|[a-zA-Z0-9])' |
        tr -d ' ,' | sort -u
}

# What fish completes for APPLET (through `portpicker APPLET`), one option a
# line; with "values", only the options it completes a value for.
fish_options() {
    fish --no-config -c "source '$TOP/completions/portpicker.fish'; complete -c portpicker" |
        grep -F "'__portpicker_applet_is $1'" |
        { if [ "${2-}" = values ]; then grep -E -- '^complete --(exclusive|require-parameter) '; else cat; fi; } |
        grep -oE -- ' -(s|l) [a-zA-Z0-9_-]+' | sed -E 's/^ -s /-/; s/^ -l /--/' | sort -u
}

@test "the fish completion offers exactly each applet's --help options, values where --help has them" {
    command -v fish >/dev/null || skip "fish is not installed"
    for applet in $(built_applets $(table_applets)); do
        diff <(help_options "$applet") <(fish_options "$applet") ||
            { echo "fish completion of $applet differs from its --help (< help, > fish)"; return 1; }
        diff <(help_value_options "$applet") <(fish_options "$applet" values) ||
            { echo "fish completion of $applet takes values unlike its --help (< help, > fish)"; return 1; }
    done
}

@test "the fish completion completes applets, addresses and state files" {
    command -v fish >/dev/null || skip "fish is not installed"
    touch "$BATS_TEST_TMPDIR/leases"
    run env PORTSERVER_ADDRESS=@ci-server fish --no-config -c "source '$TOP/completions/portpicker.fish'
        complete -C 'portpicker ch'; complete -C 'portpicker release --server @'
        complete -C 'portpicker serve --state $BATS_TEST_TMPDIR/lea'"
    [ "${lines[0]}" = "check"$'\t'"is a port free? is something listening?" ]
    [ "${lines[1]}" = "@ci-server"$'\t'"PORTSERVER_ADDRESS" ]
    [ "${lines[2]}" = "@unittest-portserver"$'\t'"the default abstract name" ]
    [ "${lines[3]}" = "$BATS_TEST_TMPDIR/leases" ]
}

@test "the bash completion completes addresses from PORTSERVER_ADDRESS and state files" {
    source "$TOP/completions/portpicker.bash"
    PORTSERVER_ADDRESS=@ci-server
    COMP_WORDS=(pick --server @); COMP_CWORD=2
    _portpicker
    [ "${COMPREPLY[*]}" = "@ci-server @unittest-portserver" ]
    touch "$BATS_TEST_TMPDIR/leases"
    COMP_WORDS=(portpicker serve --state "$BATS_TEST_TMPDIR/lea"); COMP_CWORD=3
    _portpicker
    [ "${COMPREPLY[*]}" = "$BATS_TEST_TMPDIR/leases" ]
    COMP_WORDS=(portpicker pick --count ""); COMP_CWORD=3; COMPREPLY=()
    _portpicker
    [ "${#COMPREPLY[@]}" -eq 0 ]
}

@test "the bash completion completes applets and options" {
    source "$TOP/completions/portpicker.bash"
    COMP_WORDS=(portpicker ch); COMP_CWORD=1
    _portpicker
    [ "${COMPREPLY[*]}" = "check" ]
    COMP_WORDS=(portpicker check --li); COMP_CWORD=2
    _portpicker
    [ "${COMPREPLY[*]}" = "--listening" ]
    COMP_WORDS=(pick --fe); COMP_CWORD=1
    _portpicker
    [ "${COMPREPLY[*]}" = "--fence" ]
    COMP_WORDS=(portpicker run --ba); COMP_CWORD=2
    _portpicker
    [ "${COMPREPLY[*]}" = "--backlog" ]
    COMP_WORDS=(portpicker run --tcp WEB -- portpicke); COMP_CWORD=5
    PATH=$(dirname "$PORTPICKER"):$PATH _portpicker
    [[ " ${COMPREPLY[*]} " == *" $(basename "$PORTPICKER") "* ]]
    COMP_WORDS=(portpicker help re); COMP_CWORD=2
    _portpicker
    [ "${COMPREPLY[*]}" = "release" ]
    COMP_WORDS=(portpicker check --server-); COMP_CWORD=2
    _portpicker
    [ "${COMPREPLY[*]}" = "--server-up" ]
}

@test "the man page renders without warnings" {
    command -v man >/dev/null || skip "man is not installed"
    run bash -c "MANWIDTH=80 man --warnings -l '$TOP/portpicker.1' 2>&1 >/dev/null"
    [ -z "$output" ]
}

# The exit codes of lib/exit_codes.h, one "CODE<TAB>MEANING" line each.
exit_codes() {
    sed -nE 's/^ *X\(RC_[A-Z_]+, ([0-9]+), "(.*)"\).*/\1\t\2/p' "$TOP/lib/exit_codes.h"
}

@test "the README's exit code table is lib/exit_codes.h, code by code and word by word" {
    [ "$(exit_codes | wc -l)" -ge 10 ]
    got=$(sed -n '/^## Exit codes/,/^## [^E]/p' "$TOP/README.md" |
        sed -nE 's/^\| ([0-9]+) \| (.*) \|$/\1\t\2/p')
    diff <(exit_codes) <(echo "$got")
}

@test "the man page's EXIT STATUS is lib/exit_codes.h, code by code and word by word" {
    got=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH [^E]/p' "$TOP/portpicker.1" | sed 's/\\-/-/g' |
        awk '/^\.B [0-9]+$/ { code = $2; getline; print code "\t" $0 }')
    diff <(exit_codes) <(echo "$got")
}

@test "portpicker --help lists the exit codes of lib/exit_codes.h" {
    got=$(pp --help | sed -n '/^Exit codes/,$p' | sed -nE 's/^ +([0-9]+)  (.*)$/\1\t\2/p')
    diff <(exit_codes) <(echo "$got")
}

@test "each applet's --help lists its exit codes from lib/exit_codes.h, code by code and word by word" {
    for applet in $(built_applets $(table_applets)); do
        got=$(pp "$applet" --help | sed -n '/^Exit codes/,$p' | sed 1d)
        rows=$(sed -nE 's/^ +([0-9]+)  (.*)$/\1\t\2/p' <<<"$got")
        [ "$(wc -l <<<"$rows")" -ge 4 ] && [ "$(wc -l <<<"$rows")" -eq "$(wc -l <<<"$got")" ] ||
            { echo "$applet --help: not a list of exit codes: $got"; return 1; }
        # each a row of the table, word for word, in its order
        diff <(echo "$rows") <(exit_codes | grep -xF "$rows")
    done
    # no applet words its own
    refute grep -n '"Exit:' "$TOP"/applets/*.c
}

@test "the README's first screen gives the two commands" {
    head -15 "$TOP/README.md" | grep -q '^make && ./portpicker pick'
    head -15 "$TOP/README.md" | grep -q '^make test'
}

# proto_limit MACRO...: the values lib/proto.h gives the macros, by the compiler.
proto_limit() {
    local src=$BATS_TEST_TMPDIR/limits.c
    { echo '#include "lib/proto.h"'; echo '#include <stdio.h>'; echo 'int main(void) {'
      for m in "$@"; do echo "printf(\"%llu\\n\", (unsigned long long)($m));"; done
      echo 'return 0; }'; } >"$src"
    cc -I "$TOP" "$src" -o "$BATS_TEST_TMPDIR/limits" && "$BATS_TEST_TMPDIR/limits"
}

# doc_limit ROW: the number in the "| ROW | N ... |" line of docs/protocol.md.
doc_limit() { sed -n "s/^| $1 | \([0-9]*\)[ |].*/\1/p" "$TOP/docs/protocol.md"; }

@test "docs/protocol.md states the protocol's limits as lib/proto.h defines them" {
    command -v cc >/dev/null || skip "no C compiler to read lib/proto.h with"
    read -r -d '' legacy line ports names name prefer < <(proto_limit PROTO_LEGACY_MAX \
        PROTO_REQUEST_MAX PROTO_MAX_PORTS PROTO_MAX_NAMES PROTO_NAME_MAX PROTO_MAX_PREFER) || true
    [ -n "$prefer" ]
    [ "$(doc_limit 'legacy request')" = "$legacy" ]
    [ "$(doc_limit 'v1 request line')" = "$line" ]
    [ "$(doc_limit 'ports per v1 pick or release')" = "$ports" ]
    [ "$(doc_limit 'NAMEs per v1 pick')" = "$names" ]
    [ "$(doc_limit 'NAME length')" = "$name" ]
    [ "$(doc_limit 'preferred ports per v1 pick')" = "$prefer" ]
    [ "$(doc_limit 'command line in a lease line')" = "$(proto_limit PROTO_CMD_MAX)" ]
}

@test "each protocol limit is defined once in the code, the C client's included" {
    for m in PROTO_LEGACY_MAX PROTO_REQUEST_MAX PROTO_MAX_PORTS PROTO_MAX_NAMES PROTO_NAME_MAX \
        PROTO_MAX_PREFER PROTO_PID_MAX proto_is_name; do
        n=$(cat "$TOP"/portpicker.h "$TOP"/include/*.h "$TOP"/lib/*.[ch] "$TOP"/serve/*.[ch] \
            "$TOP"/applets/*.c "$TOP"/examples/*.c |
            grep -cE "^(#define +$m\b|(static inline )?bool $m\()")
        [ "$n" -eq 1 ] || { echo "$m defined $n times"; return 1; }
        grep -qE "^(#define +$m\b|static inline bool $m\()" "$TOP"/include/portpicker_proto.h ||
            { echo "$m is not in include/portpicker_proto.h"; return 1; }
    done
    # the client and the server's protocol module both take them from there.
    grep -q '#include "portpicker_proto.h"' "$TOP"/include/portpicker_client.h
    grep -q '#include "include/portpicker_proto.h"' "$TOP"/lib/proto.h
    refute grep -nE "V1_MAX|V1_NAME_MAX|WIRE_MAX|define MAX_NAME" "$TOP"/portpicker.h "$TOP"/lib/*.[ch] \
        "$TOP"/serve/*.[ch] "$TOP"/applets/*.c "$TOP"/include/*.h
}

@test "the NAME rule is worded once, and pick, run and the man page say it in those words" {
    rule=$(pp run --help | sed -n 's/^A NAME is \(.*\)\.$/\1/p')
    [ -n "$rule" ]
    pp pick --help | grep -qxF "A NAME is $rule."
    [ "$(sed 's/\\-/-/g' "$TOP/portpicker.1" | tr '\n' ' ' | grep -oF "$rule" | wc -l)" -eq 2 ]
    run pp pick --env web-1
    [[ "$output" == *"($rule)" ]]
    # the words themselves in one place only
    n=$(cat "$TOP"/portpicker.h "$TOP"/include/*.h "$TOP"/lib/*.[ch] "$TOP"/serve/*.[ch] \
        "$TOP"/applets/*.c "$TOP"/portpicker.c | grep -c "not starting with a digit")
    [ "$n" -eq 1 ]
}

# default MACRO: its value in include/portpicker_defaults.h.
default() { sed -nE "s/^#define $1 \"?([^\"]*)\"?\$/\\1/p" "$TOP/include/portpicker_defaults.h"; }

@test "the defaults are defined once, in include/portpicker_defaults.h, and --help and the man page say them" {
    lo=$(default PORTPICKER_DEFAULT_POOL_LO) hi=$(default PORTPICKER_DEFAULT_POOL_HI)
    addr=$(default PORTPICKER_DEFAULT_ADDRESS) timeout=$(default PORTPICKER_DEFAULT_TIMEOUT_S)
    idle=$(default PORTPICKER_IDLE_TIMEOUT_S) conns=$(default PORTPICKER_CONNS_PER_UID_MAX)
    for v in "$lo" "$hi" "$addr" "$timeout" "$idle" "$conns"; do [ -n "$v" ]; done
    # no other file of the code types one
    refute grep -nE "$lo-|$hi|$addr|timeout = [0-9]|TIMEOUT_MS +${timeout}000" "$TOP"/portpicker.[ch] \
        "$TOP"/lib/*.[ch] "$TOP"/serve/*.[ch] "$TOP"/applets/*.c \
        "$TOP"/include/portpicker_client.h "$TOP"/include/portpicker_proto.h
    grep -q '#include "portpicker_defaults.h"' "$TOP/include/portpicker_client.h"
    pp pick --help | grep -qF "(default $lo-$hi)"
    for applet in $(built_applets pick check release run); do
        pp "$applet" --help | grep -qF "give up on the server after SECONDS (default $timeout)"
    done
    if has_linux_mechanism serve; then
        pp serve --help | grep -qF "(default $lo-$hi)"
        pp serve --help | grep -qF "(default $addr)"
        pp serve --help | grep -qxF "A connection that sends no request within $idle s is closed."
        pp serve --help | tr -s ' \n' ' ' |
            grep -qF "default a quarter of the fd limit, at most $conns, root exempt"
    fi
    man=$(sed 's/\\-/-/g; s/\\f[BIR]//g' "$TOP/portpicker.1" | tr '\n' ' ')
    [[ "$man" == *"range is $lo-$hi;"* ]]
    [[ "$man" == *"repeatable (default $lo-$hi)"* ]]
    [[ "$man" == *"(default $addr)"* ]]
    [[ "$man" == *"within $idle seconds is closed"* ]]
    [[ "$man" == *"and at most $conns (an idle connection"* ]]
    [ "$(grep -oF "(default $timeout)" <<<"$man" | wc -l)" -eq 4 ]
    grep -qF "default range is \`$lo-$hi\`" "$TOP/README.md"
}

@test "the error words of the wire are defined once, the C client's included, and docs/protocol.md lists exactly them" {
    words=$(sed -nE 's/^ +X\([A-Z_]+, "([a-z-]+)"\).*/\1/p' "$TOP/include/portpicker_proto.h")
    [ "$(wc -l <<<"$words")" -ge 10 ]
    diff <(echo "$words") <(sed -nE 's/^\| `([a-z-]+)` \| .*/\1/p' "$TOP/docs/protocol.md")
    for w in $words; do
        n=$(cat "$TOP"/portpicker.[ch] "$TOP"/lib/*.[ch] "$TOP"/serve/*.[ch] "$TOP"/applets/*.c \
            "$TOP"/include/*.h | grep -c "\"$w[ \"]")
        [ "$n" -eq 1 ] || { echo "\"$w\" typed $n times"; return 1; }
    done
}

# words WORD...: the words sorted, on one line, without help, version and options.
words() { printf '%s\n' "$@" | grep -vxE -e '-.*' -e 'help|version' | sort | xargs; }

@test "the bash, zsh and fish completions offer exactly the applets of portpicker.c's table" {
    applets=$(words $(table_applets))
    [[ " $applets " == *" run "* ]]
    source "$TOP/completions/portpicker.bash"
    COMP_WORDS=(portpicker ""); COMP_CWORD=1; _portpicker
    [ "$(words "${COMPREPLY[@]}")" = "$applets" ]
    COMP_WORDS=(portpicker help ""); COMP_CWORD=2; _portpicker
    [ "$(words "${COMPREPLY[@]}")" = "$applets" ]
    for a in $applets; do
        [ -n "$(_portpicker_options "$a")" ] || { echo "bash: no options for $a"; return 1; }
    done
    z=$TOP/completions/_portpicker
    for n in 1 2; do
        [ "$(words $(sed -nE 's/.*_values applet ([a-z ]+).*/\1/p' "$z" | sed -n ${n}p))" = "$applets" ]
    done
    [ "$(words $(sed -nE 's/^_portpicker_([a-z]+)\(\) \{$/\1/p' "$z"))" = "$applets" ]
    [ "$(words $(sed -nE 's/^#   for a in ([a-z ]+); do$/\1/p' "$z"))" = "$applets" ]
    # and the man page gives the same advice
    [ "$(words $(sed -nE 's/^for a in ([a-z ]+); do$/\1/p' "$TOP/portpicker.1"))" = "$applets" ]
    command -v fish >/dev/null || skip "fish is not installed"
    f=$TOP/completions/portpicker.fish
    [ "$(words $(fish --no-config -c "source '$f'; complete -C 'portpicker '" | cut -f1))" = "$applets" ]
    [ "$(words $(fish --no-config -c "source '$f'; complete -C 'portpicker help '" | cut -f1))" = "$applets" ]
}
