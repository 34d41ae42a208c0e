#!/usr/bin/env bats
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

make_in() { make -s -C "$TOP" "$@" DESTDIR="$ROOT"; }

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

@test "make install puts the binary, man page, completions, units and the C client under PREFIX, and no applet link" {
    make_in install
    listing | tee "$BATS_TEST_TMPDIR/list" | sed 's/^/# /' >&3
    diff - <(grep -v -e '/bin/pick$' -e '/bin/serve ->' "$BATS_TEST_TMPDIR/list") <<'LIST'
/usr/local/bin/portpicker
/usr/local/include/portpicker_client.h
/usr/local/include/portpicker_defaults.h
/usr/local/include/portpicker_proto.h
/usr/local/lib/systemd/system/portpicker.service
/usr/local/lib/systemd/system/portpicker.socket
/usr/local/share/bash-completion/completions/portpicker
/usr/local/share/fish/vendor_completions.d/portpicker.fish
/usr/local/share/man/man1/portpicker.1
/usr/local/share/pkgconfig/portpicker.pc
/usr/local/share/zsh/site-functions/_portpicker
LIST
    foreign_intact
    [ ! -e "$BIN/check" ] && [ ! -e "$BIN/release" ]
    run "$BIN/portpicker" check --help
    [[ "$output" == "usage: portpicker check"* ]]
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
    ! grep -q '^linked' <<<"$output"
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
    make -s -C "$TOP" install-links DESTDIR="$ROOT" PREFIX=/opt/pp BINDIR=/opt/pp/sbin
    [ -x "$ROOT/opt/pp/sbin/portpicker" ] && [ -L "$ROOT/opt/pp/sbin/pick" ]
    grep -q '^ExecStart=/opt/pp/sbin/portpicker serve ' "$ROOT/opt/pp/lib/systemd/system/portpicker.service"
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
    [ "${lines[1]}" = "--json"$'\t'"with --leases: JSON" ]
}
