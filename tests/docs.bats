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
    for applet in pick check serve release; do
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
}

@test "the man page renders without warnings" {
    command -v man >/dev/null || skip "man is not installed"
    run bash -c "MANWIDTH=80 man --warnings -l '$TOP/portpicker.1' 2>&1 >/dev/null"
    [ -z "$output" ]
}

@test "every exit code in the README is in the man page and in portpicker --help" {
    for code in 0 1 2 3 4 5 6 7 8 9 10 11 126 127; do
        grep -qE "^\| $code \|" "$TOP/README.md"
        grep -qE "^\.B $code\$" "$TOP/portpicker.1"
        pp --help | grep -qE "(^| )$code "
    done
}

@test "the README's first screen gives the two commands" {
    head -15 "$TOP/README.md" | grep -q '^make && ./portpicker pick'
    head -15 "$TOP/README.md" | grep -q '^make test'
}
