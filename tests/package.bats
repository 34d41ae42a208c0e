#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The Debian package: debian/ built by dpkg-buildpackage -us -uc -b from a
# copy of the tree, checked by lintian, installed with dpkg -i, looked at,
# removed and purged. Skips, saying why, where it cannot: not root (dpkg -i),
# no dpkg-buildpackage, a build dependency missing, or a portpicker package
# already installed (the test would replace it).

load helpers

TOP=$BATS_TEST_DIRNAME/..

# why_not: why this host cannot build and install the package, or nothing.
why_not() {
    [ "$(id -u)" = 0 ] || { echo "installing with dpkg -i needs root"; return; }
    command -v dpkg-buildpackage >/dev/null ||
        { echo "dpkg-buildpackage is not installed (apt-get install dpkg-dev)"; return; }
    git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 ||
        { echo "not a git checkout: the tree is copied from git ls-files"; return; }
    local unmet
    unmet=$(cd "$TOP" && dpkg-checkbuilddeps 2>&1) ||
        echo "build dependencies missing: ${unmet##*: }"
}

setup_file() {
    export WHY_NOT
    WHY_NOT=$(why_not)
    [ -z "$WHY_NOT" ] || return 0
    # dpkg-buildpackage writes the .debs beside the tree: a copy, so the
    # worktree and its parent stay as they are.
    local src=$BATS_FILE_TMPDIR/portpicker
    mkdir "$src"
    git -C "$TOP" ls-files -z --cached --others --exclude-standard |
        (cd "$TOP" && tar --null -T - -cf -) | tar -C "$src" -xf -
    # Built as Debian builds it, whatever compiler this suite's make was
    # given: CC=clang in MAKEFLAGS reached debian/rules' make, and dh_dwz
    # cannot read clang's DWARF 5 (.debug_addr).
    (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CC \
        dpkg-buildpackage -us -uc -b) >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
        { tail -20 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

setup() {
    [ -z "$WHY_NOT" ] || skip "$WHY_NOT"
    VERSION=$("$PORTPICKER" --version | sed 's/^portpicker //')
    DEB=$BATS_FILE_TMPDIR/portpicker_${VERSION}_$(dpkg --print-architecture).deb
    DBGSYM=$BATS_FILE_TMPDIR/portpicker-dbgsym_${VERSION}_$(dpkg --print-architecture).deb
}

teardown() {
    stop_tracked
    [ -z "${INSTALLED:-}" ] || dpkg_locked --purge portpicker >/dev/null 2>&1 || true
}

# dpkg_locked ARGS...: dpkg, waiting up to a minute for another apt or dpkg
# (a helper installing packages) to let go of the lock.
dpkg_locked() {
    local out
    for _ in $(seq 60); do
        out=$(dpkg "$@" 2>&1) && return 0
        grep -q 'lock' <<<"$out" || { echo "$out" >&2; return 1; }
        sleep 1
    done
    echo "$out" >&2
    return 1
}

@test "dpkg-buildpackage builds the package of this version, and a -dbgsym with the binary's debug info" {
    [ -f "$DEB" ]
    [ -f "$DBGSYM" ]
    [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
    # the packaged binary is stripped, its debug info is in -dbgsym by build id
    dir=$BATS_TEST_TMPDIR/x
    dpkg-deb -x "$DEB" "$dir"
    dpkg-deb -x "$DBGSYM" "$dir"
    id=$(readelf -n "$dir/usr/bin/portpicker" | sed -n 's/.*Build ID: //p')
    [ -n "$id" ]
    debug=$dir/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
    readelf -S --wide "$debug" | grep -q ' \.debug_info '
    readelf -S --wide "$dir/usr/bin/portpicker" | refute grep -q -e ' \.symtab ' -e ' \.debug_'
    refute grep -i 'warning' "$BATS_FILE_TMPDIR/build.log"
}

@test "lintian, pedantic, has nothing to say but the overridden tags, and each override gives its reason" {
    command -v lintian >/dev/null || skip "lintian is not installed (apt-get install lintian)"
    run lintian -EvIL +pedantic --show-overrides "$BATS_FILE_TMPDIR"/portpicker_*.changes
    echo "$output" | grep -v '^N:' | sed 's/^/# /' >&3
    # every line is an override (O:) or lintian's own note about root
    refute grep -v -e '^N:' -e '^O: ' -e '^running with root privileges' <<<"$output"
    overrides=$TOP/debian/portpicker.lintian-overrides
    [ "$(grep -c '^O: ' <<<"$output")" -eq "$(grep -c '^portpicker: ' "$overrides")" ]
    # a comment just above each override
    awk '/^portpicker: / && prev !~ /^#/ { print "no reason above: " $0; bad = 1 } { prev = $0 } END { exit bad }' "$overrides"
}

@test "dpkg -i installs the binary, man page, completions, units, C client and docs; nothing is enabled; dpkg -r and --purge take them away" {
    # one suite at a time installs it (CI runs several side by side), and
    # never over a portpicker someone installed
    exec {lock}>/tmp/portpicker-package-test.lock
    flock -w 300 "$lock"
    ! dpkg-query -W -f='${Status}' portpicker 2>/dev/null | grep -q 'installed' ||
        skip "a portpicker package is installed already; this test would replace it"
    dpkg_locked -i "$DEB"
    INSTALLED=1
    dpkg -L portpicker | sort >"$BATS_TEST_TMPDIR/files"
    sed 's/^/# /' "$BATS_TEST_TMPDIR/files" >&3
    [ "$(/usr/bin/portpicker --version)" = "portpicker $VERSION" ]
    for f in /usr/share/man/man1/portpicker.1.gz /usr/share/bash-completion/completions/portpicker \
        /usr/share/zsh/vendor-completions/_portpicker /usr/share/fish/vendor_completions.d/portpicker.fish \
        /lib/systemd/system/portpicker.service /lib/systemd/system/portpicker.socket \
        /usr/include/portpicker_client.h /usr/include/portpicker_proto.h /usr/share/pkgconfig/portpicker.pc \
        /usr/share/doc/portpicker/copyright /usr/share/doc/portpicker/changelog.gz \
        /usr/share/doc/portpicker/README.md.gz /usr/share/doc/portpicker/docs/serve.md.gz \
        /usr/share/doc/portpicker/examples/pick_ports.c \
        /usr/share/doc/portpicker/examples/portpicker-alerts.yml; do
        grep -qx "$f" "$BATS_TEST_TMPDIR/files" && [ -f "$f" ] || { echo "missing: $f"; false; }
    done
    grep -qx 'ExecStart=/usr/bin/portpicker serve .*' /lib/systemd/system/portpicker.service
    [ "$(pkg-config --modversion portpicker)" = "$VERSION" ]
    if command -v man >/dev/null; then [ "$(man -w portpicker)" = /usr/share/man/man1/portpicker.1.gz ]; fi
    # the upstream changelog is CHANGELOG.md
    zcat /usr/share/doc/portpicker/changelog.gz | grep -q "^## \[$VERSION\]"
    # installed, not enabled
    [ ! -e /etc/systemd/system/sockets.target.wants/portpicker.socket ]
    [ ! -e /etc/systemd/system/multi-user.target.wants/portpicker.service ]
    if command -v systemd-analyze >/dev/null; then
        run systemd-analyze verify /lib/systemd/system/portpicker.service /lib/systemd/system/portpicker.socket
        echo "$output"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
    fi
    dpkg_locked -r portpicker
    # every file is gone; the directories left are other packages' too
    while read -r f; do
        [ -d "$f" ] && continue
        [ ! -e "$f" ] && [ ! -L "$f" ] || { echo "left by dpkg -r: $f"; false; }
    done <"$BATS_TEST_TMPDIR/files"
    [ ! -d /usr/share/doc/portpicker ]
    dpkg_locked --purge portpicker
    INSTALLED=
    ! dpkg-query -W -f='${Status}' portpicker 2>/dev/null | grep -q installed
}

# maint_dpkg LOG ARGS...: dpkg ARGS as if systemd ran (/run/systemd/system,
# in a mount namespace of its own), with systemctl and deb-systemd-invoke
# replaced by stubs that append their arguments to LOG: what the maintainer
# scripts ask of systemd, on a host without it.
maint_dpkg() {
    local log=$1 bin=$BATS_TEST_TMPDIR/bin
    shift
    mkdir -p "$bin"
    for stub in systemctl deb-systemd-invoke; do
        printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$stub" "$log" >"$bin/$stub"
        chmod +x "$bin/$stub"
    done
    PATH=$bin:$PATH unshare --mount sh -c \
        'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$0" "$@"' \
        "$(command -v dpkg)" "$@"
}

@test "a server the admin enabled is stopped when the package is removed, and running again after an upgrade" {
    command -v unshare >/dev/null || skip "unshare is not installed (util-linux)"
    exec {lock}>/tmp/portpicker-package-test.lock
    flock -w 300 "$lock"
    ! dpkg-query -W -f='${Status}' portpicker 2>/dev/null | grep -q 'installed' ||
        skip "a portpicker package is installed already; this test would replace it"
    log=$BATS_TEST_TMPDIR/systemd.log
    maint_dpkg "$log" -i "$DEB"
    INSTALLED=1
    echo "install:"; cat "$log"
    # deb-systemd-invoke starts only enabled units: nothing, on a new install
    refute grep -q "^deb-systemd-invoke stop" "$log"
    : >"$log"
    maint_dpkg "$log" -i "$DEB"
    echo "upgrade:"; cat "$log"
    # what the preinst stopped, the postinst starts again (enabled units)
    if grep -q "^deb-systemd-invoke stop .*portpicker.socket" "$log"; then
        grep -q "^deb-systemd-invoke \(start\|restart\) .*portpicker.socket" "$log"
    fi
    : >"$log"
    maint_dpkg "$log" -r portpicker
    echo "remove:"; cat "$log"
    grep -q "^deb-systemd-invoke stop .*portpicker.service.*portpicker.socket" "$log"
    dpkg_locked --purge portpicker
    INSTALLED=
}

@test "dpkg --purge takes away the leases the server kept in its StateDirectory" {
    exec {lock}>/tmp/portpicker-package-test.lock
    flock -w 300 "$lock"
    ! dpkg-query -W -f='${Status}' portpicker 2>/dev/null | grep -q 'installed' ||
        skip "a portpicker package is installed already; this test would replace it"
    [ ! -e /var/lib/portpicker ] && [ ! -e /var/lib/private/portpicker ] ||
        skip "/var/lib/portpicker exists: a server's leases, not this test's"
    dpkg_locked -i "$DEB"
    INSTALLED=1
    # what systemd makes for the unit's DynamicUser and StateDirectory
    made_private=
    [ -d /var/lib/private ] || { mkdir -m 700 /var/lib/private; made_private=1; }
    mkdir /var/lib/private/portpicker
    echo "lease" >/var/lib/private/portpicker/leases
    ln -s private/portpicker /var/lib/portpicker
    dpkg_locked -r portpicker
    # removed, not purged: the leases stay for a reinstall
    [ -f /var/lib/portpicker/leases ]
    dpkg_locked --purge portpicker
    INSTALLED=
    gone=true
    [ ! -e /var/lib/portpicker ] && [ ! -L /var/lib/portpicker ] || gone=false
    [ ! -e /var/lib/private/portpicker ] || gone=false
    rm -rf /var/lib/portpicker /var/lib/private/portpicker
    [ -z "$made_private" ] || rmdir /var/lib/private
    $gone
}
