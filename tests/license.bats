#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The licence: LICENSE is the Apache License 2.0, every source file says so
# in its first line (its second after a #! or zsh's #compdef), and
# debian/copyright states it in the machine-readable form (DEP-5).

load helpers

TOP=$BATS_TEST_DIRNAME/..
SPDX='SPDX-License-Identifier: Apache-2.0'

# The files of the tree, tracked or new (not ignored), that are not sources:
# prose, the licence itself, fuzz seeds (raw inputs, a line would change
# them) and files whose format has no comment (debian/changelog, copyright
# and source/format).
not_source() {
    grep -v -E -e '\.md$' -e '^LICENSE$' -e '^fuzz/([a-z]+-)?corpus/' \
        -e '^\.(gitignore|dockerignore)$' \
        -e '^debian/(changelog|copyright|source/format)$'
}

sources() {
    git -C "$TOP" ls-files --cached --others --exclude-standard | not_source
}

# has_spdx FILE: the identifier in its first line, or its second after a
# first line that must stay first.
has_spdx() {
    local first second
    { IFS= read -r first; IFS= read -r second; } <"$TOP/$1"
    case $first in
    '#!'* | '#compdef'*) [[ "$second" == *"$SPDX"* ]] ;;
    *) [[ "$first" == *"$SPDX"* ]] ;;
    esac
}

@test "LICENSE is the Apache License, Version 2.0, whole" {
    head -4 "$TOP/LICENSE" | grep -q 'Apache License'
    head -4 "$TOP/LICENSE" | grep -q 'Version 2.0, January 2004'
    grep -q '^ *END OF TERMS AND CONDITIONS$' "$TOP/LICENSE"
    # all nine sections of the terms
    for n in 1 2 3 4 5 6 7 8 9; do grep -qE "^ *$n\. [A-Z]" "$TOP/LICENSE"; done
}

@test "every source file names its licence in an SPDX line at the top" {
    command -v git >/dev/null && git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 ||
        skip "not a git checkout: the file list comes from git ls-files"
    n=0
    missing=()
    while IFS= read -r f; do
        [ -f "$TOP/$f" ] || continue # deleted, not yet committed
        n=$((n + 1))
        has_spdx "$f" || missing+=("$f")
    done < <(sources)
    echo "# $n source files checked" >&3
    printf 'no SPDX line at the top: %s\n' "${missing[@]}"
    [ "$n" -gt 100 ]
    [ ${#missing[@]} -eq 0 ]
}

@test "the SPDX check finds a file without the line, and one with it too low" {
    command -v git >/dev/null && git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 ||
        skip "not a git checkout"
    # the checker on files made here, so the tree is never touched
    TOP=$BATS_TEST_TMPDIR
    printf '/* no licence */\nint x;\n' >"$TOP/bare.c"
    printf '#!/bin/sh\n# hello\n# %s\n' "$SPDX" >"$TOP/low.sh"
    printf '#!/bin/sh\n# %s\n' "$SPDX" >"$TOP/good.sh"
    printf '#compdef x\n# %s\n' "$SPDX" >"$TOP/_x"
    refute has_spdx bare.c
    refute has_spdx low.sh
    has_spdx good.sh
    has_spdx _x
}

@test "debian/copyright is DEP-5 and gives every file Apache-2.0 with the licence's text" {
    c=$TOP/debian/copyright
    [ -f "$c" ] || skip "no debian/ directory in this tree"
    head -1 "$c" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
    grep -qx 'Files: \*' "$c"
    # every Files paragraph is Apache-2.0, and the licence paragraph exists
    [ "$(grep -c '^Files:' "$c")" -eq "$(grep -A3 '^Files:' "$c" | grep -c '^License: Apache-2.0$')" ]
    grep -qx 'License: Apache-2.0' "$c"
    grep -q '/usr/share/common-licenses/Apache-2.0' "$c"
}
