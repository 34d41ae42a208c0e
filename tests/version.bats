#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# One version, defined once (PORTPICKER_VERSION in portpicker.h), and every
# place that states it agrees: --version, the man page, CHANGELOG.md's newest
# release, debian/changelog, the image's label, portpicker.pc; and sizes,
# which the README leaves to make release and make bench.

load helpers

TOP=$BATS_TEST_DIRNAME/..

defined() { sed -n 's/^#define PORTPICKER_VERSION "\(.*\)"$/\1/p' "$TOP/portpicker.h"; }

@test "the version is defined once, as MAJOR.MINOR.PATCH, and --version prints it once" {
    [ "$(grep -rn --include='*.[ch]' 'define PORTPICKER_VERSION' "$TOP" | wc -l)" -eq 1 ]
    v=$(defined)
    [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
    for how in --version -V version "pick --version" "check -V"; do
        run pp $how
        [ "$status" -eq 0 ]
        [ "$output" = "portpicker $v" ]
    done
    [ "$(make -s -C "$TOP" version)" = "$v" ]
}

@test "the man page, CHANGELOG.md, debian/changelog, the image's label and portpicker.pc say the same version" {
    v=$(defined)
    head -3 "$TOP/portpicker.1" | grep -q "^\.TH PORTPICKER 1 \"[0-9-]*\" \"portpicker $v\""
    [ "$(grep -m1 -oE '^## \[[0-9]+\.[0-9]+\.[0-9]+\]' "$TOP/CHANGELOG.md")" = "## [$v]" ]
    if [ -f "$TOP/debian/changelog" ]; then
        head -1 "$TOP/debian/changelog" | grep -q "^portpicker ($v) "
        if command -v dpkg-parsechangelog >/dev/null; then
            [ "$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)" = "$v" ]
        fi
    fi
    grep -q "org.opencontainers.image.version=\"$v\"" "$TOP/Dockerfile"
    grep -qx 'Version: @VERSION@' "$TOP/portpicker.pc.in"
}

@test "CHANGELOG.md is in the Keep a Changelog form: Unreleased, then releases newest first, dated, with known kinds of change" {
    c=$TOP/CHANGELOG.md
    head -1 "$c" | grep -qx '# Changelog'
    grep -q 'keepachangelog.com' "$c"
    grep -q 'semver.org' "$c"
    # the first section is Unreleased
    [ "$(grep -m1 '^## ' "$c")" = "## [Unreleased]" ]
    # every release: ## [X.Y.Z] - YYYY-MM-DD, newest first
    releases=$(grep '^## \[[0-9]' "$c")
    [ -n "$releases" ]
    refute grep -vE '^## \[[0-9]+\.[0-9]+\.[0-9]+\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$' <<<"$releases"
    [ "$(awk '{print $2}' <<<"$releases")" = "$(awk '{print $2}' <<<"$releases" | tr -d '[]' | sort -t. -k1,1nr -k2,2nr -k3,3nr | sed 's/.*/[&]/')" ]
    # the kinds of change are the form's six
    grep '^### ' "$c" | refute grep -vxE '### (Added|Changed|Deprecated|Removed|Fixed|Security)'
    # 0.1.0, where the changes are counted from, is there
    grep -q '^## \[0\.1\.0\] - ' "$c"
}

@test "the README states no size by hand outside the Benchmarks table (make bench's dated figures)" {
    # sizes: a number and a unit of bytes
    run grep -nE '[0-9][0-9.,]* ?(B|bytes|[kKMG]i?B|kB)\b' "$TOP/README.md"
    echo "$output"
    bench=$(grep -n '^## Benchmarks' "$TOP/README.md" | cut -d: -f1)
    [ -n "$bench" ]
    while IFS=: read -r n line; do
        [ -n "$n" ] || continue
        # inside the Benchmarks section, a table row
        [ "$n" -gt "$bench" ] && [[ "$line" == "|"* ]] || { echo "a size by hand, line $n: $line"; false; }
    done <<<"$output"
}

@test "make release prints the stripped binary's size, as it is" {
    [ "$(basename "$PORTPICKER")" = portpicker ] || skip "builds the release from the default build only"
    rm -f "$TOP/portpicker-release"
    # -o portpicker: the binary under test is never rebuilt by this
    run make -s -C "$TOP" -o portpicker release
    [ "$status" -eq 0 ]
    bytes=$(wc -c <"$TOP/portpicker-release")
    [[ "$output" == *"portpicker-release: $bytes bytes, stripped ("*")" ]]
}
