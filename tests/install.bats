#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# make install, install-links and uninstall into a DESTDIR that already holds
# another package's `pick` and `serve`: ours never replaces or removes them.

load helpers

TOP=$BATS_TEST_DIRNAME/..

setup() {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "installs the release build only"
    ROOT=$BATS_TEST_TMPDIR/root
    BIN=$ROOT/usr/local/bin
    mkdir -p "$BIN"
    printf '#!/bin/sh\necho foreign pick\n' >"$BIN/pick"
    chmod 755 "$BIN/pick"
    ln -s ../lib/node_modules/serve/cli.js "$BIN/serve"
}

# -o portpicker: install the binary under test as it is; a suite run with
# CC=gcc must not have it rebuilt by make's default compiler.
make_in() { make -s -C "$TOP" -o portpicker "$@" DESTDIR="$ROOT"; }

# Where make puts the units when UNITDIR is not given: systemd's pkg-config
# answer, else under PREFIX.
unitdir() {
    local d
    d=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
    echo "${d:-$1/lib/systemd/system}"
}

# Every file and link under DESTDIR, one a line, links with their target.
listing() {
    (cd "$ROOT" && find . ! -type d | sort | while read -r f; do
        if [ -L "$f" ]; then echo "${f#.} -> $(readlink "$f")"; else echo "${f#.}"; fi
    done)
}

foreign_intact() {
    [ "$("$BIN/pick")" = "foreign pick" ]
    [ "$(readlink "$BIN/serve")" = ../lib/node_modules/serve/cli.js ]
}

@test "make install puts the binary, man page, completions, units, the C client and the docs under PREFIX, and no applet link" {
    make_in install
    units=$(unitdir /usr/local)
    listing | tee "$BATS_TEST_TMPDIR/list" | sed 's/^/# /' >&3
    {
        cat <<FILES
/usr/local/bin/portpicker
/usr/local/include/portpicker_client.h
/usr/local/include/portpicker_defaults.h
/usr/local/include/portpicker_proto.h
$units/portpicker.service
$units/portpicker.socket
/usr/local/share/bash-completion/completions/portpicker
/usr/local/share/doc/portpicker/CHANGELOG.md
/usr/local/share/doc/portpicker/LICENSE
/usr/local/share/doc/portpicker/README.md
/usr/local/share/doc/portpicker/examples/pick_ports.c
/usr/local/share/doc/portpicker/examples/portpicker-alerts.yml
/usr/local/share/doc/portpicker/installed-dirs
/usr/local/share/fish/vendor_completions.d/portpicker.fish
/usr/local/share/man/man1/portpicker.1
/usr/local/share/pkgconfig/portpicker.pc
/usr/local/share/zsh/site-functions/_portpicker
FILES
        for d in "$TOP"/docs/*.md; do echo "/usr/local/share/doc/portpicker/docs/${d##*/}"; done
    } | LC_ALL=C sort >"$BATS_TEST_TMPDIR/want"
    grep -v -e '/bin/pick$' -e '/bin/serve ->' "$BATS_TEST_TMPDIR/list" | LC_ALL=C sort |
        diff "$BATS_TEST_TMPDIR/want" -
    foreign_intact
    [ ! -e "$BIN/check" ]
    [ ! -e "$BIN/release" ]
    run "$BIN/portpicker" check --help
    [[ "$output" == "usage: portpicker check"* ]]
    cmp "$TOP/LICENSE" "$ROOT/usr/local/share/doc/portpicker/LICENSE"
}

@test "make install keeps the binary's symbols and debug info; make install-strip strips them" {
    command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
    make_in install
    sections=$(readelf -S --wide "$BIN/portpicker")
    grep -q ' \.symtab ' <<<"$sections"
    grep -q ' \.debug_info ' <<<"$sections"
    cmp "$TOP/portpicker" "$BIN/portpicker"
    make_in install-strip
    sections=$(readelf -S --wide "$BIN/portpicker")
    refute grep -q -e ' \.symtab ' -e ' \.debug_' <<<"$sections"
    "$BIN/portpicker" --version
}

@test "UNITDIR is what systemd's pkg-config file says, else PREFIX/lib/systemd/system, else what is given" {
    fake=$BATS_TEST_TMPDIR/pkg-config
    printf '#!/bin/sh\n[ "$*" = "--variable=systemdsystemunitdir systemd" ] && echo /opt/units\n' >"$fake"
    chmod 755 "$fake"
    make_in install PKG_CONFIG="$fake"
    [ -f "$ROOT/opt/units/portpicker.service" ]
    [ -f "$ROOT/opt/units/portpicker.socket" ]
    make_in uninstall PKG_CONFIG="$fake"
    [ ! -e "$ROOT/opt" ]
    # pkg-config without systemd's file answers nothing, and fails
    make_in install PKG_CONFIG=false PREFIX=/opt/pp
    [ -f "$ROOT/opt/pp/lib/systemd/system/portpicker.service" ]
    make_in install PKG_CONFIG="$fake" UNITDIR=/etc/systemd/system
    [ -f "$ROOT/etc/systemd/system/portpicker.socket" ]
}

@test "make uninstall removes every directory make install created, and none it found" {
    ROOT=$BATS_TEST_TMPDIR/fresh
    # found: an empty include directory, and a bin holding another's file
    mkdir -p "$ROOT/usr/local/include" "$ROOT/usr/local/bin"
    touch "$ROOT/usr/local/bin/other"
    before=$(cd "$ROOT" && find . | sort)
    make_in install-links
    make_in install-links
    [ -d "$ROOT/usr/local/share/doc/portpicker/docs" ]
    make_in uninstall
    [ "$(cd "$ROOT" && find . | sort)" = "$before" ]
    # another package's file in a directory we created keeps that directory
    make_in install
    touch "$ROOT/usr/local/share/zsh/site-functions/_other"
    make_in uninstall
    [ -f "$ROOT/usr/local/share/zsh/site-functions/_other" ]
    [ ! -e "$ROOT/usr/local/share/doc" ]
    [ ! -e "$ROOT/usr/local/share/man" ]
}

@test "a make install that cannot make a directory leaves none it made" {
    ROOT=$BATS_TEST_TMPDIR/blocked
    # a file where the man directory goes: install fails after making bin
    mkdir -p "$ROOT/usr/local/share"
    touch "$ROOT/usr/local/share/man"
    before=$(cd "$ROOT" && find . | sort)
    run make_in install
    [ "$status" -ne 0 ]
    [ "$(cd "$ROOT" && find . | sort)" = "$before" ]
}

@test "make install-links links the applets but leaves another package's pick and serve alone, naming each" {
    make_in install
    run make_in install-links
    [ "$status" -eq 0 ]
    echo "$output"
    [ "$(grep -c '^skipped .*/bin/pick: not our link' <<<"$output")" -eq 1 ]
    [ "$(grep -c '^skipped .*/bin/serve: not our link' <<<"$output")" -eq 1 ]
    foreign_intact
    # every applet of the table but the two foreign names, run included
    for applet in $(table_applets); do
        [ "$applet" = pick ] || [ "$applet" = serve ] || [ "$(readlink "$BIN/$applet")" = portpicker ] ||
            { echo "no link for $applet"; return 1; }
    done
    run "$BIN/check" --help
    [[ "$output" == "usage: portpicker check"* ]]
    # The completions follow the links that were made, and only those: a
    # completion named pick would take over the other package's pick.
    [ "$(readlink "$ROOT/usr/local/share/bash-completion/completions/check")" = portpicker ]
    [ "$(readlink "$ROOT/usr/local/share/fish/vendor_completions.d/release.fish")" = portpicker.fish ]
    [ ! -e "$ROOT/usr/local/share/bash-completion/completions/pick" ]
    [ ! -e "$ROOT/usr/local/share/fish/vendor_completions.d/serve.fish" ]
    listing | sed 's/^/# /' >&3
}

@test "make install-links twice changes nothing and says only what it skipped" {
    make_in install-links
    run make_in install-links
    [ "$status" -eq 0 ]
    refute grep -q '^linked' <<<"$output"
    [ "$(grep -c '^skipped' <<<"$output")" -eq 2 ]
}

@test "make uninstall removes only what is ours: the foreign pick and serve survive" {
    make_in install-links
    ln -s /opt/other/bin/tool "$BIN/release.tmp"
    run make_in uninstall
    [ "$status" -eq 0 ]
    foreign_intact
    [ -L "$BIN/release.tmp" ]
    run listing
    [ "$output" = "$(printf '%s\n' /usr/local/bin/pick '/usr/local/bin/release.tmp -> /opt/other/bin/tool' '/usr/local/bin/serve -> ../lib/node_modules/serve/cli.js')" ]
}

@test "make uninstall leaves a check link that points somewhere else" {
    make_in install-links
    rm "$BIN/check" && ln -s /usr/bin/true "$BIN/check"
    make_in uninstall
    [ "$(readlink "$BIN/check")" = /usr/bin/true ]
    [ ! -e "$BIN/portpicker" ] && [ ! -L "$BIN/release" ]
}

@test "BINDIR and PREFIX choose where the binary, its links and the unit's ExecStart go" {
    make_in install-links PREFIX=/opt/pp BINDIR=/opt/pp/sbin
    [ -x "$ROOT/opt/pp/sbin/portpicker" ]
    [ -L "$ROOT/opt/pp/sbin/pick" ]
    grep -q '^ExecStart=/opt/pp/sbin/portpicker serve ' "$ROOT$(unitdir /opt/pp)/portpicker.service"
    [ -f "$ROOT/opt/pp/share/man/man1/portpicker.1" ]
    foreign_intact
}

@test "man portpicker finds the installed man page" {
    command -v man >/dev/null || skip "man is not installed"
    make_in install
    run env MANPATH="$ROOT/usr/local/share/man" man -w portpicker
    [ "$output" = "$ROOT/usr/local/share/man/man1/portpicker.1" ]
}

@test "bash-completion's on-demand loader completes the applet links, and not another package's pick" {
    [ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
    make_in install-links
    cat >"$BATS_TEST_TMPDIR/load" <<'SH'
source /usr/share/bash-completion/bash_completion
for name in portpicker check release pick; do
    __load_completion "$name" && complete -p "$name" || echo "no completion for $name"
done
SH
    run env XDG_DATA_DIRS="$ROOT/usr/local/share" BASH_COMPLETION_USER_DIR=/nonexistent bash "$BATS_TEST_TMPDIR/load"
    echo "$output"
    [ "${lines[0]}" = "complete -F _portpicker portpicker" ]
    [ "${lines[1]}" = "complete -F _portpicker check" ]
    [ "${lines[2]}" = "complete -F _portpicker release" ]
    [ "${lines[3]}" = "no completion for pick" ]
}

@test "fish loads the completion for an applet link from the installed files" {
    command -v fish >/dev/null || skip "fish is not installed"
    make_in install-links
    run env PATH="$BIN:$PATH" fish --no-config -c \
        "set fish_complete_path $ROOT/usr/local/share/fish/vendor_completions.d; complete -C 'check --li'; complete -C 'portpicker check --js'"
    [ "${lines[0]}" = "--listening"$'\t'"is something accepting TCP connections?" ]
    [ "${lines[1]}" = "--json"$'\t'"with --leases or --server-up: JSON" ]
}

@test "fish finds the completion under PREFIX/share only with XDG_DATA_DIRS naming it, as the README says" {
    command -v fish >/dev/null || skip "fish is not installed"
    make_in install
    share=$ROOT/usr/local/share
    grep -q 'XDG_DATA_DIRS=/usr/local/share:/usr/share' "$TOP/README.md"
    # fish's own search path (--no-config would empty it), no user's config
    run env -u XDG_DATA_DIRS HOME="$BATS_TEST_TMPDIR" PATH="$BIN:$PATH" fish -c "complete -C 'portpicker check --li'"
    [ -z "$output" ]
    run env XDG_DATA_DIRS="$share:/usr/share" HOME="$BATS_TEST_TMPDIR" PATH="$BIN:$PATH" fish -c "complete -C 'portpicker check --li'"
    [ "$output" = "--listening"$'\t'"is something accepting TCP connections?" ]
}
