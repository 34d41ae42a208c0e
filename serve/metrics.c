/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c: a snapshot of the server's metrics as OpenMetrics text, and
 * the request-time histogram. Pure: no I/O, no clock, so a test feeds it
 * any snapshot.
 *
 * One text serves both readers: `v1 metrics` (OpenMetrics) and the file
 * node_exporter's textfile collector reads (Prometheus's text format). They
 * differ in one thing we use: OpenMetrics names a counter's family without
 * its _total suffix, the text format with it, and a family named one way
 * is a family without samples to a parser of the other (promtool says "no
 * help text"). We name it with the suffix, which Prometheus's OpenMetrics
 * parser takes as well; "# EOF" is a comment to the text parser. No label
 * value comes from a client: the label sets are fixed here. */
#include "serve/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Upper bounds of the request-time buckets, as Prometheus's le labels. */
static const struct {
    uint64_t ns;
    const char *le;
} bounds[METRICS_BUCKETS] = {
    {10000, "0.00001"},   {25000, "0.000025"}, {50000, "0.00005"},
    {100000, "0.0001"},   {250000, "0.00025"}, {500000, "0.0005"},
    {1000000, "0.001"},   {2500000, "0.0025"}, {5000000, "0.005"},
    {10000000, "0.01"},   {25000000, "0.025"}, {100000000, "0.1"},
};

void metrics_observe(struct metrics_histogram *h, uint64_t ns)
{
    unsigned i = 0;
    while (i < METRICS_BUCKETS && ns > bounds[i].ns)
        i++;
    h->count[i]++;
    h->sum_ns += ns;
}

/* Text appended to buf; used goes past len once it no longer fits. */
struct text {
    char *buf;
    size_t len, used;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    size_t room = t->used < t->len ? t->len - t->used : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + (room ? t->used : 0), room, fmt, ap);
    va_end(ap);
    t->used += n > 0 ? (size_t)n : 0;
}

static void family(struct text *t, const char *name, const char *type,
                   const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the formats quote it: backslash, quote and newline
 * escaped (the version is ours, but a build may set it). */
static void put_label_value(struct text *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            put(t, "\\%c", *v);
        else if (*v == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *v);
    }
}

static const char *const dialects[DIALECTS] = {"legacy", "v1"};

static void grants(struct text *t, const struct stats *st)
{
    family(t, "portpicker_grants_total", "counter", "Picks granted.");
    for (int d = 0; d < DIALECTS; d++)
        put(t, "portpicker_grants_total{dialect=\"%s\"} %llu\n", dialects[d],
            (unsigned long long)st->grants[d]);
}

/* Can a request of dialect d be refused with code? busy closes a
 * connection (connections_refused); a legacy request is a pick. */
static bool can_refuse(int d, int code)
{
    if (code == ERR_BUSY)
        return false;
    return d == DIALECT_V1 || !(code == ERR_NOT_LEASED || code == ERR_NOT_OWNER ||
                                code == ERR_UNSUPPORTED);
}

/* By reason: the protocol's error codes. */
static void refusals(struct text *t, const struct stats *st)
{
    family(t, "portpicker_refusals_total", "counter", "Requests refused.");
    for (int d = 0; d < DIALECTS; d++)
        for (int code = 0; code < ERR_UNKNOWN; code++)
            if (can_refuse(d, code))
                put(t, "portpicker_refusals_total{dialect=\"%s\",reason=\"%s\"} "
                    "%llu\n", dialects[d], proto_err_name((enum proto_err)code),
                    (unsigned long long)st->refused[d][code]);
}

static void histogram(struct text *t, const struct metrics_histogram *h)
{
    const char *name = "portpicker_request_duration_seconds";
    uint64_t below = 0;
    family(t, name, "histogram", "Time from a request read to its reply sent.");
    put(t, "# UNIT %s seconds\n", name);
    for (unsigned i = 0; i < METRICS_BUCKETS; i++) {
        below += h->count[i];
        put(t, "%s_bucket{le=\"%s\"} %llu\n", name, bounds[i].le,
            (unsigned long long)below);
    }
    below += h->count[METRICS_BUCKETS];
    put(t, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)below);
    put(t, "%s_sum %llu.%09llu\n", name,
        (unsigned long long)(h->sum_ns / 1000000000u),
        (unsigned long long)(h->sum_ns % 1000000000u));
    put(t, "%s_count %llu\n", name, (unsigned long long)below);
}

int metrics_format(char *buf, size_t len, const struct metrics *m)
{
    const struct stats *st = m->stats;
    const struct {
        const char *name, *type, *help;
        uint64_t value;
    } scalars[] = {
        {"portpicker_ports_granted_total", "counter", "Ports granted.",
         st->allocations},
        {"portpicker_leases_reclaimed_total", "counter",
         "Leases ended by their owner's exit.", st->reclaimed},
        {"portpicker_leases_released_total", "counter",
         "Leases given back early.", st->released},
        {"portpicker_probes_bound_total", "counter",
         "Probes that found a pool port bound.", st->outsiders},
        {"portpicker_leases", "gauge", "Leases held.", m->leases},
        {"portpicker_owners", "gauge", "Processes holding leases.", m->owners},
        {"portpicker_owners_polled", "gauge",
         "Owners polled, not watched by a pidfd.", st->polled_owners},
        {"portpicker_ports_managed", "gauge", "Ports in the pool.",
         m->ports_managed},
        {"portpicker_ports_free", "gauge", "Pool ports free to grant.",
         m->ports_free},
        {"portpicker_ports_resting", "gauge", "Pool ports to probe again.",
         m->ports_resting},
        {"portpicker_connections_open", "gauge", "Client connections open.",
         m->connections_open},
        {"portpicker_connections_refused_total", "counter",
         "Connections closed by the per-uid cap.", st->conns_refused},
        {"portpicker_journal_appends_total", "counter",
         "Appends to the state file (a request's records in one write).",
         m->journal_appends},
        {"portpicker_journal_compactions_total", "counter",
         "Rewrites of the state file.", m->journal_compactions},
        {"portpicker_journal_write_errors_total", "counter",
         "Failed writes of the state file.", m->journal_errors},
        {"portpicker_metrics_file_write_errors_total", "counter",
         "Failed writes of the metrics file.", st->metrics_file_errors},
    };
    struct text t = {buf, len, 0};
    family(&t, "portpicker_build_info", "gauge", "The server's version.");
    put(&t, "portpicker_build_info{version=\"");
    put_label_value(&t, m->version);
    put(&t, "\"} 1\n");
    grants(&t, st);
    refusals(&t, st);
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
        family(&t, scalars[i].name, scalars[i].type, scalars[i].help);
        put(&t, "%s %llu\n", scalars[i].name,
            (unsigned long long)scalars[i].value);
    }
    histogram(&t, &st->request_time);
    put(&t, "# EOF\n");
    return t.used < len ? (int)t.used : -1;
}
