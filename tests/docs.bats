#!/usr/bin/env bats
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
    for applet in pick check serve release; do
        for opt in $(help_options "$applet"); do
            has_word "$TOP/portpicker.1" "$opt" || { echo "portpicker.1 lacks $applet $opt"; return 1; }
        done
    done
}

@test "every option in each applet's --help is in the bash completion" {
    for applet in pick check serve release; do
        words=$(grep -E "^ *$applet\) echo" "$TOP/completions/portpicker.bash")
        for opt in $(help_options "$applet"); do
            [[ " ${words//\"/ } " == *" $opt "* ]] || { echo "bash completion lacks $applet $opt"; return 1; }
        done
    done
}

@test "the bash completion offers no option that --help does not list" {
    for applet in pick check serve release; do
        known=" $(help_options "$applet" | tr '\n' ' ') "
        words=$(grep -E "^ *$applet\) echo" "$TOP/completions/portpicker.bash" | sed 's/.*echo "//; s/".*//')
        for opt in $words; do
            [[ "$known" == *" $opt "* ]] || { echo "bash completion offers unknown $applet $opt"; return 1; }
        done
    done
}

@test "every option in each applet's --help is in the zsh completion" {
    for applet in pick check serve release; do
        for opt in $(help_options "$applet"); do
            has_word "$TOP/completions/_portpicker" "$opt" || { echo "zsh completion lacks $applet $opt"; return 1; }
        done
    done
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

@test "each applet's --help names only exit codes that exist" {
    codes=" $(exit_codes | cut -f1 | tr '\n' ' ') "
    applets=$(pp --help | awk '/Applets:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }')
    [ -n "$applets" ]
    for applet in $applets; do
        for code in $(pp "$applet" --help | sed -n '/^Exit:/,$p' |
                      grep -oE '(^|[ ,;:])[0-9]+ [A-Za-z]' | grep -oE '[0-9]+'); do
            [[ "$codes" == *" $code "* ]] || { echo "$applet --help names exit $code"; return 1; }
        done
    done
}

@test "the README's first screen gives the two commands" {
    head -15 "$TOP/README.md" | grep -q '^make && ./portpicker pick'
    head -15 "$TOP/README.md" | grep -q '^make test'
}

@test "make install puts the binary, applet links, man page and completions in PREFIX" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "installs the release build only"
    run make -C "$TOP" install PREFIX="$BATS_TEST_TMPDIR/usr"
    [ "$status" -eq 0 ]
    for f in bin/portpicker share/man/man1/portpicker.1 share/bash-completion/completions/portpicker share/zsh/site-functions/_portpicker; do
        [ -f "$BATS_TEST_TMPDIR/usr/$f" ]
    done
    for applet in pick check serve release; do
        [ -L "$BATS_TEST_TMPDIR/usr/bin/$applet" ]
    done
    run "$BATS_TEST_TMPDIR/usr/bin/check" --help
    [[ "$output" == "usage: portpicker check"* ]]
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
    read -r -d '' legacy line ports names name < <(proto_limit PROTO_LEGACY_MAX \
        PROTO_REQUEST_MAX PROTO_MAX_PORTS PROTO_MAX_NAMES PROTO_NAME_MAX) || true
    [ -n "$name" ]
    [ "$(doc_limit 'legacy request')" = "$legacy" ]
    [ "$(doc_limit 'v1 request line')" = "$line" ]
    [ "$(doc_limit 'ports per v1 pick or release')" = "$ports" ]
    [ "$(doc_limit 'NAMEs per v1 pick')" = "$names" ]
    [ "$(doc_limit 'NAME length')" = "$name" ]
    [ "$(doc_limit 'command line in a lease line')" = "$(proto_limit PROTO_CMD_MAX)" ]
}

@test "each protocol limit is defined once in the code" {
    for m in PROTO_LEGACY_MAX PROTO_REQUEST_MAX PROTO_MAX_PORTS PROTO_MAX_NAMES PROTO_NAME_MAX; do
        n=$(cat "$TOP"/portpicker.h "$TOP"/lib/*.[ch] "$TOP"/serve/*.[ch] "$TOP"/applets/*.c |
            grep -cE "^#define +$m\b")
        [ "$n" -eq 1 ] || { echo "$m defined $n times"; return 1; }
    done
    ! grep -nE "V1_MAX|V1_NAME_MAX|WIRE_MAX|define MAX_NAME" "$TOP"/portpicker.h "$TOP"/lib/*.[ch] \
        "$TOP"/serve/*.[ch] "$TOP"/applets/*.c
}
