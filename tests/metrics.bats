#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The server's metrics (docs/serve.md, "Monitoring"): `v1 metrics` through
# `check --metrics`, `serve --metrics-file` for node_exporter's textfile
# collector, both checked by Prometheus's own promtool; the formatter alone
# (tests/metrics_format.c); the example alerts; and `check --server-up
# --json`.

load helpers
load serve_helpers

TOP=$BATS_TEST_DIRNAME/..

setup() {
    ADDR=$(new_address)
    unset PORTSERVER_ADDRESS
}

need_promtool() {
    command -v promtool >/dev/null ||
        skip "promtool is not installed (Debian's prometheus package)"
}

# metric NAME{LABELS}: its value in the server's metrics now.
metric() {
    pp check --metrics -s "$ADDR" | awk -v m="$1" '$1 == m { print $2 }'
}

# file_metric FILE NAME{LABELS}: its value in a metrics file.
file_metric() { awk -v m="$2" '$1 == m { print $2 }' "$1"; }

json_valid() { "$PYTHON" -c 'import json,sys; json.load(sys.stdin)'; }

# ---- v1 metrics ----

@test "check --metrics prints OpenMetrics text that promtool check metrics accepts" {
    need_promtool
    start_owner
    start_server --pool 23000-23009
    run -0 pp pick -s "$ADDR" "$OWNER"
    run -0 pp check --metrics -s "$ADDR"
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/metrics.txt"
    [ "$(head -n 1 "$BATS_TEST_TMPDIR/metrics.txt")" = "# HELP portpicker_build_info The server's version." ]
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/metrics.txt")" = "# EOF" ]
    run promtool check metrics <"$BATS_TEST_TMPDIR/metrics.txt"
    echo "promtool: $output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "the metrics count grants by dialect, refusals by dialect and reason, and releases" {
    start_owner
    start_server --pool 23010-23012
    run -0 pp pick -s "$ADDR" "$OWNER"             # legacy
    run -0 pp pick -s "$ADDR" -n 2 "$OWNER"        # v1, two ports
    port=$(echo "$output" | head -n 1)
    [ -z "$(ask "$OWNER")" ]                       # legacy: the pool is empty
    run -6 pp pick -s "$ADDR" -n 2 "$OWNER"        # v1: exhausted
    [[ "$(raw "v1 pick 12x 1\n")" == "err bad-request "* ]]
    run -0 pp release -s "$ADDR" "$port"
    [ "$(metric 'portpicker_grants_total{dialect="legacy"}')" = 1 ]
    [ "$(metric 'portpicker_grants_total{dialect="v1"}')" = 1 ]
    [ "$(metric portpicker_ports_granted_total)" = 3 ]
    [ "$(metric 'portpicker_refusals_total{dialect="legacy",reason="exhausted"}')" = 1 ]
    [ "$(metric 'portpicker_refusals_total{dialect="v1",reason="exhausted"}')" = 1 ]
    [ "$(metric 'portpicker_refusals_total{dialect="v1",reason="bad-request"}')" = 1 ]
    [ "$(metric portpicker_leases_released_total)" = 1 ]
    [ "$(metric portpicker_leases)" = 2 ]
    [ "$(metric portpicker_owners)" = 1 ]
    [ "$(metric portpicker_ports_managed)" = 3 ]
    # the log's counters are the same counts
    [ "$(counter denied-allocations)" = 2 ]
    [ "$(counter client-request-errors)" = 1 ]
}

@test "an owner's exit shows in the metrics as leases reclaimed, and its port free again" {
    start_owner
    start_server --pool 23020-23021
    run -0 pp pick -s "$ADDR" -n 2 "$OWNER"
    [ "$(metric portpicker_ports_free)" = 0 ]
    kill "$OWNER"
    wait_for eval '[ "$(metric portpicker_leases_reclaimed_total)" = 2 ]'
    wait_for eval '[ "$(metric portpicker_ports_free)" = 2 ]'
    [ "$(metric portpicker_leases)" = 0 ]
}

@test "a dead owner's port another process still holds counts as free until a grant probes it, then as resting until it is let go" {
    start_owner
    start_server --pool 23025-23025
    sleep 300 & victim=$!
    track_pid $victim
    run -0 pp pick -s "$ADDR" "$victim"
    hold_socket tcp4-listen 23025
    holder=${TRACKED_PIDS[-1]}
    kill -9 $victim
    wait $victim 2>/dev/null || true
    wait_for eval '[ "$(metric portpicker_leases_reclaimed_total)" = 1 ]'
    # not leased, not known bound: no probe was made at the death
    [ "$(metric portpicker_ports_free)" = 1 ]
    [ "$(metric portpicker_ports_resting)" = 0 ]
    [ "$(metric portpicker_probes_bound_total)" = 0 ]
    run pp pick -s "$ADDR" "$OWNER"
    [ "$status" -ne 0 ]
    [ "$(metric portpicker_ports_free)" = 0 ]
    [ "$(metric portpicker_ports_resting)" = 1 ]
    [ "$(metric portpicker_probes_bound_total)" = 1 ]
    kill "$holder"
    wait "$holder" 2>/dev/null || true
    wait_for eval '[ "$(metric portpicker_ports_free)" = 1 ]'
    [ "$(metric portpicker_ports_resting)" = 0 ]
    run -0 pp pick -s "$ADDR" "$OWNER"
    [ "$output" = 23025 ]
}

@test "the request-time histogram counts every request, in buckets that only grow" {
    start_owner
    start_server --pool 23030-23039
    for _ in 1 2 3 4 5; do run -0 pp check --server-up -q -s "$ADDR"; done
    run -0 pp check --metrics -s "$ADDR"
    # five status requests answered before this one
    [ "$(awk '$1 == "portpicker_request_duration_seconds_count" {print $2}' <<<"$output")" = 5 ]
    [ "$(awk '$1 == "portpicker_request_duration_seconds_bucket{le=\"+Inf\"}" {print $2}' <<<"$output")" = 5 ]
    awk '/^portpicker_request_duration_seconds_bucket/ { if ($2 < last) exit 1; last = $2 }' <<<"$output"
    grep -q '^portpicker_request_duration_seconds_sum 0\.[0-9]\{9\}$' <<<"$output"
}

@test "a connection closed by the per-uid cap shows in the metrics" {
    start_server --pool 23040-23049 --max-connections-per-uid 1
    # an idle connection of ours, which the next one of the same uid closes
    raw --keep-open --wait 3 >/dev/null 2>&1 &
    track_pid $!
    # each ask is a connection of that uid: the first once the idle one is
    # in closes it
    wait_for eval '[ "$(metric portpicker_connections_refused_total)" = 1 ]'
    [ "$(metric portpicker_connections_open)" = 1 ]
    [ "$(metric portpicker_connections_refused_total)" = 1 ]
}

@test "the metrics count the state file's appends and rewrites" {
    start_owner
    start_server --pool 23050-23059 --state "$BATS_TEST_TMPDIR/leases"
    [ "$(metric portpicker_journal_compactions_total)" = 1 ]   # rewritten at start
    run -0 pp pick -s "$ADDR" "$OWNER"
    run -0 pp pick -s "$ADDR" -n 3 "$OWNER"
    [ "$(metric portpicker_journal_appends_total)" = 2 ]       # one write a grant
    [ "$(metric portpicker_journal_write_errors_total)" = 0 ]
}

@test "no metric has a label a client chooses: the same series whoever asks, whatever they send" {
    start_owner
    start_server --pool 23060-23069
    names() { pp check --metrics -s "$ADDR" | grep -v '^#' | cut -d' ' -f1 | sort; }
    before=$(names)
    run -0 pp pick -s "$ADDR" --env WEB_42 "$OWNER"
    raw "v1 pick $OWNER 1 evil_label\n" >/dev/null
    raw "v1 nonsense\n" >/dev/null
    raw "$OWNER\n" >/dev/null
    [ "$(names)" = "$before" ]
    refute grep -E 'uid=|pid=|port=|WEB_42|evil' <<<"$before"
}

@test "check --metrics against portserver.py is exit 11: it has no metrics" {
    start_reference 23070-23079
    run -11 pp check --metrics -s "$ADDR"
    [[ "$output" == *"does not support metrics"* ]]
}

@test "check --metrics against a v1 server without the verb is exit 11" {
    answers 'err unsupported unknown verb '"'"'metrics'"'"'\n'
    run -11 pp check --metrics -s "$ADDR"
}

@test "check --metrics refuses a reply that is not OpenMetrics whole: exit 9, nothing printed" {
    for reply in 'ok\n# TYPE x gauge\nx 1\n' 'ok\n# HELP x '"$TERMINAL_ESCAPES"'\nx 1\n# EOF\n' \
                 'ok\nx{a="\\q"} 1\n# EOF\n' 'ok\nx one\n# EOF\n' 'ok\n# EOF\nx 1\n' \
                 'ok\n# TYPE x weird\n# EOF\n' 'ok\n# a comment\n# EOF\n' '# EOF\n'; do
        answers "$reply"
        run --separate-stderr pp check --metrics -s "$ADDR"
        echo "reply '$reply': $status '$output' '$stderr'"
        [ "$status" -eq 9 ]
        [ -z "$output" ]
        [[ "$stderr" == *"not in the protocol"* ]]
        stop_tracked
    done
}

@test "check --metrics takes one question, and no --json" {
    run -2 pp check --metrics --json -s @x
    [[ "$output" == *"cannot use --metrics with --json"* ]]
    run -2 pp check --metrics --leases -s @x
    run -2 pp check --metrics 15000 -s @x
    run -7 pp check --metrics
}

# ---- the formatter alone ----

# formatted CASE: tests/metrics_format.c's CASE, its text in $output.
formatted() {
    build_tool metrics_format
    run -0 "$TOP/build/metrics_format" "$1"
}

@test "the metrics text fits its bound with every count at its largest, and promtool accepts it" {
    formatted max
    grep -q '^portpicker_grants_total{dialect="v1"} 18446744073709551615$' <<<"$output"
    grep -q '^portpicker_request_duration_seconds_count 18446744073709551615$' <<<"$output"
    need_promtool
    run promtool check metrics <<<"$output"
    [ "$status" -eq 0 ]
}

@test "a request time lands in the bucket whose bound it does not exceed" {
    formatted observe
    # 1 ns and 10 us; 10 us + 1 ns; 100 ms; 100 ms + 1 ns
    grep -qx 'portpicker_request_duration_seconds_bucket{le="0.00001"} 2' <<<"$output"
    grep -qx 'portpicker_request_duration_seconds_bucket{le="0.000025"} 3' <<<"$output"
    grep -qx 'portpicker_request_duration_seconds_bucket{le="0.025"} 3' <<<"$output"
    grep -qx 'portpicker_request_duration_seconds_bucket{le="0.1"} 4' <<<"$output"
    grep -qx 'portpicker_request_duration_seconds_bucket{le="+Inf"} 5' <<<"$output"
    grep -qx 'portpicker_request_duration_seconds_sum 0.200020003' <<<"$output"
}

@test "a label value is escaped as the formats quote it" {
    formatted escape
    grep -qxF 'portpicker_build_info{version="1\"2\\3\n4"} 1' <<<"$output"
}

# ---- --metrics-file ----

@test "serve --metrics-file writes the metrics within seconds, and promtool check metrics accepts the file" {
    need_promtool
    start_owner
    file=$BATS_TEST_TMPDIR/portpicker.prom
    start_server --pool 23080-23089 --metrics-file "$file"
    wait_for test -s "$file"
    run promtool check metrics <"$file"
    echo "promtool: $output"
    [ "$status" -eq 0 ]
    [ "$(tail -n 1 "$file")" = "# EOF" ]
    run -0 pp pick -s "$ADDR" "$OWNER"
    # rewritten every 5 s
    for _ in $(seq 40); do
        [ "$(file_metric "$file" portpicker_ports_granted_total)" = 1 ] && break
        sleep 0.2
    done
    [ "$(file_metric "$file" portpicker_ports_granted_total)" = 1 ]
}

@test "the metrics file is replaced by a rename, never written in place, and no temporary file stays" {
    file=$BATS_TEST_TMPDIR/portpicker.prom
    start_server --pool 23090-23099 --metrics-file "$file"
    wait_for test -s "$file"
    first=$(stat -c %i "$file")
    for _ in $(seq 40); do
        [ "$(stat -c %i "$file")" != "$first" ] && break
        sleep 0.2
    done
    [ "$(stat -c %i "$file")" != "$first" ]
    [ ! -e "$file.tmp" ]
    [ "$(stat -c %a "$file")" = 644 ]
}

@test "the metrics file is readable by node_exporter's user whatever the server's umask (the unit's is 0077)" {
    file=$BATS_TEST_TMPDIR/portpicker.prom
    old=$(umask)
    umask 077
    start_server --pool 23120-23129 --metrics-file "$file"
    umask "$old"
    wait_for test -s "$file"
    [ "$(stat -c %a "$file")" = 644 ]
}

@test "a metrics file that cannot be written is logged once and counted, and the server goes on serving" {
    start_owner
    start_server --pool 23100-23109 --metrics-file "$BATS_TEST_TMPDIR/no/such/dir/portpicker.prom"
    wait_for grep -q "cannot write the metrics" "$SERVER_LOG"
    grep -q "no/such/dir/portpicker.prom: cannot write the metrics: No such file or directory" "$SERVER_LOG"
    run -0 pp pick -s "$ADDR" "$OWNER"
    # The next write fails again, METRICS_FILE_MS (5 s) later: counted,
    # not logged again.
    for _ in $(seq 40); do
        [ "$(metric portpicker_metrics_file_write_errors_total)" -ge 2 ] && break
        sleep 0.25
    done
    [ "$(metric portpicker_metrics_file_write_errors_total)" -ge 2 ]
    [ "$(grep -c "cannot write the metrics" "$SERVER_LOG")" -eq 1 ]
}

@test "the metrics file goes when the server stops" {
    file=$BATS_TEST_TMPDIR/portpicker.prom
    start_server --pool 23110-23119 --metrics-file "$file"
    wait_for test -s "$file"
    stop_server
    [ "$SERVER_RC" -eq 0 ]
    [ ! -e "$file" ]
}

@test "serve --metrics-file takes a file name" {
    # the server under test (make test-posix: the Linux build's)
    serve() { "${PORTPICKER_SERVE:-$PORTPICKER}" serve "$@"; }
    run -2 serve --metrics-file ''
    [[ "$output" == *"--metrics-file: empty file name"* ]]
    run -2 serve --metrics-file
}

@test "node_exporter's textfile collector serves the metrics file to a scrape" {
    command -v prometheus-node-exporter >/dev/null ||
        skip "prometheus-node-exporter is not installed (Debian's package of that name)"
    dir=$BATS_TEST_TMPDIR/textfile
    mkdir "$dir"
    start_server --pool 23120-23129 --metrics-file "$dir/portpicker.prom"
    wait_for test -s "$dir/portpicker.prom"
    port=$(pp pick)
    # loopback only, and only the textfile collector
    prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
        --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$dir" >"$BATS_TEST_TMPDIR/node.log" 2>&1 &
    track_pid $!
    scrape() {
        "$PYTHON" -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
            "http://127.0.0.1:$port/metrics" >"$BATS_TEST_TMPDIR/scrape.txt" 2>/dev/null
    }
    wait_for scrape || { cat "$BATS_TEST_TMPDIR/node.log"; false; }
    grep -qx 'node_textfile_scrape_error 0' "$BATS_TEST_TMPDIR/scrape.txt"
    grep -qx '# TYPE portpicker_grants_total counter' "$BATS_TEST_TMPDIR/scrape.txt"
    grep -qx 'portpicker_ports_managed 10' "$BATS_TEST_TMPDIR/scrape.txt"
    grep -q '^portpicker_request_duration_seconds_bucket{le="+Inf"} ' "$BATS_TEST_TMPDIR/scrape.txt"
}

# ---- the docs and the alerts ----

@test "docs/serve.md lists every metric the server writes, and no other" {
    start_server --pool 23130-23139
    run -0 pp check --metrics -s "$ADDR"
    written=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' <<<"$output" | sort)
    listed=$(sed -n 's/^| `\(portpicker_[a-z_]*\).*/\1/p' "$TOP/docs/serve.md" | sort)
    [ "$written" = "$listed" ]
}

@test "the example alerts pass promtool check rules, and fire on the series they are for" {
    need_promtool
    run promtool check rules "$TOP/contrib/portpicker-alerts.yml"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"SUCCESS: 2 rules found"* ]]
    run promtool test rules "$TOP/tests/alerts_test.yml"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "docs/serve.md shows the alerts file as it is" {
    shown=$(sed -n '/^```yaml$/,/^```$/p' "$TOP/docs/serve.md" | sed '1d;$d')
    [ "$shown" = "$(sed -n '/^groups:/,$p' "$TOP/contrib/portpicker-alerts.yml")" ]
}

# ---- check --server-up --json ----

@test "check --server-up --json prints the status as one JSON object, counts as numbers" {
    start_owner
    start_server --pool 23140-23149
    run -0 pp pick -s "$ADDR" "$OWNER"
    run -0 pp check --server-up --json -s "$ADDR"
    json_valid <<<"$output"
    "$PYTHON" -c 'import json, sys
s = json.loads(sys.argv[1])
assert s["up"] is True and s["legacy"] is False and s["server"] == "portpicker", s
assert s["address"] == sys.argv[2], s
assert s["status"] == {"pool": "23140-23149", "managed": 10, "free": 9,
                       "leased": 1, "owners": 1}, s' "$output" "$ADDR"
}

@test "check --server-up --json with no server up says so in JSON, exit 1" {
    run -1 pp check --server-up --json -s "$ADDR"
    json_valid <<<"$output"
    "$PYTHON" -c 'import json, sys
s = json.loads(sys.argv[1])
assert s["up"] is False and s["address"] == sys.argv[2] and s["error"], s' "$output" "$ADDR"
    run -1 pp check --server-up --json -q -s "$ADDR"
    [ -z "$output" ]
}

@test "check --server-up --json against portserver.py says legacy" {
    start_reference 23150-23159
    run -0 pp check --server-up --json -s "$ADDR"
    json_valid <<<"$output"
    [ "$output" = "{\"address\": \"$ADDR\", \"up\": true, \"legacy\": true}" ]
}

@test "check --server-up --json refuses a status line not in the protocol: exit 9, nothing on stdout" {
    for reply in 'ok portpicker\n' 'ok portpicker 1 free=1 free=2\n' 'ok portpicker 1 a=\n' 'ok portpicker 1 =5\n' \
                 'ok portpicker 1 '"$TERMINAL_ESCAPES"'=1\n' 'ok portpicker  1\n'; do
        answers "$reply"
        run --separate-stderr pp check --server-up --json -s "$ADDR"
        echo "reply '$reply': $status '$output' '$stderr'"
        [ "$status" -eq 9 ]
        [ -z "$output" ]
        stop_tracked
    done
}

@test "check --server-up --json escapes what a server says, and keeps big or odd values as strings" {
    answers 'ok portpicker 1.0"x pool=1-2 huge=12345678901234567890 zero=007 name=caf\303\251\n'
    run -9 pp check --server-up --json -s "$ADDR"
    answers 'ok portpicker 1.0"x pool=1-2 huge=12345678901234567890 zero=007\n'
    run -0 pp check --server-up --json -s "$ADDR"
    json_valid <<<"$output"
    "$PYTHON" -c 'import json, sys
s = json.loads(sys.argv[1])
assert s["version"] == "1.0\"x", s
assert s["status"] == {"pool": "1-2", "huge": "12345678901234567890", "zero": "007"}, s' "$output"
}
