#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The server reads in a straight line (HACKING.md, "A request's path"):
# small files with one job that call down, headers that say what a module
# offers, one way to close an fd on a failure path. These read the code.

load helpers

TOP=$BATS_TEST_DIRNAME/..

@test "every serve/ file is at most 300 lines, every serve/ header under 120" {
    local f bad=
    for f in "$TOP"/serve/*.c; do
        [ "$(wc -l <"$f")" -le 300 ] || bad+=" ${f#$TOP/} ($(wc -l <"$f") lines)"
    done
    for f in "$TOP"/serve/*.h; do
        [ "$(wc -l <"$f")" -lt 120 ] || bad+=" ${f#$TOP/} ($(wc -l <"$f") lines)"
    done
    [ -z "$bad" ] || { echo "too long:$bad"; return 1; }
}

@test "no serve/ module includes the header of a module that includes its own" {
    # A module is a header and the .c files that include it as theirs
    # (serve/X.c, or the files a header names in its first line). An edge
    # A -> B: a .c file of A includes B's header. No cycle may form.
    run python3 - "$TOP/serve" <<'EOF'
import os, re, sys
d = sys.argv[1]
def includes(path):
    return re.findall(r'^#include "serve/(\w+)\.h"', open(path).read(), re.M)
# The module of each .c file: the header of its own name, else conn.h's
# files (client.c, client_send.c, clients.c share conn.h and client.h).
module = {}
for f in os.listdir(d):
    if f.endswith('.c'):
        base = f[:-2]
        module[f] = base if os.path.exists(os.path.join(d, base + '.h')) else None
module['clients.c'] = 'client'
module['client_send.c'] = 'client'
module['state_open.c'] = 'state'
edges = {}
for f, m in module.items():
    if not m:
        continue
    for h in includes(os.path.join(d, f)):
        if h == 'conn':
            h = 'client'
        if h != m:
            edges.setdefault(m, set()).add(h)
# Headers of data alone (no .c of their own) and the state's aggregate
# (server.h, run.h: run.c wires every module) are not modules here.
shared = {'server', 'run'}
def cycle():
    seen, stack = set(), []
    def visit(m):
        if m in stack:
            return stack[stack.index(m):] + [m]
        if m in seen or m in shared:
            return None
        seen.add(m)
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            c = visit(n)
            if c:
                return c
        stack.pop()
        return None
    for m in sorted(edges):
        if m not in shared:
            c = visit(m)
            if c:
                return c
    return None
c = cycle()
if c:
    print("include cycle: " + " -> ".join(c))
    sys.exit(1)
EOF
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "a serve/ file includes the lib/ headers it uses, not all of portpicker.h" {
    # Only for PORTPICKER_VERSION, which portpicker.h holds.
    local f bad=
    for f in $(grep -l '#include "portpicker.h"' "$TOP"/serve/*.c); do
        grep -q PORTPICKER_VERSION "$f" || bad+=" ${f#$TOP/}"
    done
    [ -z "$bad" ] || { echo "portpicker.h without its version:$bad"; return 1; }
}

@test "errno is kept across a close on a failure path by close_keep_errno alone" {
    # The three-line copy (save errno, close, restore) anywhere but lib/fdclose.c.
    run grep -rn -A1 -E '^\s*int saved = errno;$' "$TOP"/lib "$TOP"/serve "$TOP"/applets
    copies=$(grep -E -- '-\s*close\(' <<<"$output" | grep -v 'lib/fdclose.c' || true)
    [ -z "$copies" ] || { echo "$copies"; return 1; }
}

@test "the server's dispatch is a switch with no default, so -Wswitch names a new verb" {
    body=$(sed -n '/^static void dispatch(/,/^}/p' "$TOP/serve/answer.c")
    grep -q 'switch (r->verb)' <<<"$body"
    refute grep -q 'default:' <<<"$body"
    for verb in $(grep -oE 'VERB_[A-Z]+' "$TOP/lib/proto.h" | sort -u); do
        grep -q "case $verb:" <<<"$body" || { echo "$verb has no case"; return 1; }
    done
}

@test "the modules below the daemon's edge never log: they leave notes for it" {
    run grep -n 'slog(' "$TOP"/serve/daemon.c "$TOP"/serve/state.c "$TOP"/serve/state_open.c \
        "$TOP"/serve/journal.c "$TOP"/serve/proc.c "$TOP"/serve/pidns.c "$TOP"/serve/loop.c \
        "$TOP"/serve/leases.c "$TOP"/serve/pool.c "$TOP"/serve/owner_slots.c
    [ -z "$output" ] || { echo "$output"; return 1; }
}

# unchecked ERE FILE...: each command of a test or function that matches
# ERE and whose failure bash's errexit ignores, as FILE:LINE: a command is
# checked only as the last of its body, in a condition (if, elif, while,
# until) or as the left side of an `||`. Continuation lines (ending in \ |
# || &&) are read as one command.
unchecked() {
    ERE=$1 awk '
        FNR == 1 { body = 0; pending = "" }
        /^(@test .*|[A-Za-z_][A-Za-z0-9_]*\(\)) *\{ *$/ { body = 1; pending = ""; next }
        body && /^}/ { body = 0; pending = ""; next }
        !body || /^[ \t]*(#|$)/ { next }
        {
            if (cont) { line = line " " $0 } else { line = $0; start = FNR }
            cont = ($0 ~ /(\\|\||&&)[ \t]*$/)
            if (cont) next
            if (pending != "") print pending
            pending = (line ~ ENVIRON["ERE"] && line !~ /\|\|/ &&
                       line !~ /^[ \t]*(if|elif|while|until) /) ? FILENAME ":" start : ""
        }
    ' "${@:2}"
}

# bare_negations FILE...: each `! CMD` that errexit ignores (unchecked).
bare_negations() { unchecked '^[ \t]*! ' "$@"; }

# unchecked_lists FILE...: each `[ A ] && [ B ]` that errexit ignores when A
# fails (unchecked).
unchecked_lists() { unchecked '\]\]? && \[' "$@"; }

@test "refute passes when its command fails, and fails when grep cannot read its file" {
    refute false
    refute grep -q absent <<<"present"
    run refute true
    [ "$status" -ne 0 ]
    run refute grep -q absent "$BATS_TEST_TMPDIR/no such file"
    [ "$status" -ne 0 ]
}

@test "no test file has a bare '! CMD' that errexit would ignore (use refute)" {
    # The check itself: it finds a mid-test one and passes the forms that work.
    printf '%s\n' '@test "t" {' '    ! false' '    true' '}' 'f() {' '    ! a ||' '        skip' \
        '    ! b \' '        c' '}' >"$BATS_TEST_TMPDIR/x.bats"
    [ "$(bare_negations "$BATS_TEST_TMPDIR/x.bats")" = "$BATS_TEST_TMPDIR/x.bats:2" ]
    run bare_negations "$TOP"/tests/*.bats "$TOP"/tests/*.bash
    [ -z "$output" ] || { echo "$output"; return 1; }
}

@test "no test file has a '[ A ] && [ B ]' check that errexit would skip when A fails" {
    # The check itself: it finds a mid-test one, one in a loop, and passes
    # the forms that work.
    printf '%s\n' '@test "t" {' '    [ 1 = 2 ] && [ 3 = 3 ]' '    for i in 1 2; do' \
        '        [[ $i = 1 ]] && [ 3 = 3 ]' '    done' '    [ -n x ] && track_pid 1' \
        '    if [ a ] && [ b ]; then :; fi' '    [ a ] && [ b ] || return 1' \
        '    [ a ] && [ b ]' '}' >"$BATS_TEST_TMPDIR/x.bats"
    [ "$(unchecked_lists "$BATS_TEST_TMPDIR/x.bats" | tr '\n' ' ')" = \
        "$BATS_TEST_TMPDIR/x.bats:2 $BATS_TEST_TMPDIR/x.bats:4 " ]
    run unchecked_lists "$TOP"/tests/*.bats "$TOP"/tests/*.bash
    [ -z "$output" ] || { echo "$output"; return 1; }
}
