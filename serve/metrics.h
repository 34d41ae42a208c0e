/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h: the server's counters, and its metrics as OpenMetrics text
 * (serve/metrics.c), pure: a snapshot in, text out. The counters are the
 * ones SIGUSR1 logs (stats_log) and `v1 metrics` and --metrics-file
 * show: one set. docs/serve.md, "Monitoring", lists the metrics. */
#ifndef SERVE_METRICS_H
#define SERVE_METRICS_H

#include "lib/proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The request-time histogram's bucket bounds (metrics.c): 10 us to 100 ms,
 * and one bucket beyond. */
#define METRICS_BUCKETS 12

/* Time per request, from a request read whole to its reply sent. */
struct metrics_histogram {
    uint64_t count[METRICS_BUCKETS + 1];    /* by bucket, not cumulative */
    uint64_t sum_ns;
};

/* Count one request of ns nanoseconds. */
void metrics_observe(struct metrics_histogram *h, uint64_t ns);

enum dialect { DIALECT_LEGACY, DIALECT_V1, DIALECTS };

/* Is a refusal with code the request's fault (it did not parse, or named a
 * verb or version this server lacks), not a denial? The log's counters
 * (portserver.py's) tell the two apart. */
static inline bool refusal_is_bad_request(enum proto_err code)
{
    return code == ERR_BAD_REQUEST || code == ERR_UNSUPPORTED;
}

/* What happened since the start: counts only go up (but polled_owners). */
struct stats {
    uint64_t refused[DIALECTS][ERR_UNKNOWN];    /* by reason (answer.c) */
    uint64_t grants[DIALECTS];  /* pick requests granted */
    uint64_t allocations;       /* ports granted */
    uint64_t checked_last;      /* probes of the last pick */
    uint64_t reclaimed;         /* leases ended by their owner's death */
    uint64_t released;          /* leases ended by a v1 release */
    uint64_t outsiders;         /* probes that found a port bound */
    uint64_t polled_owners;     /* owners now polled, not watched by fd:
                                 * filled in by stats_read (owners.c counts) */
    uint64_t conns_refused;     /* connections closed by the per-uid cap */
    uint64_t metrics_file_errors;
    struct metrics_histogram request_time;
};

/* A snapshot: the counters, and the gauges read when it was taken. */
struct metrics {
    const char *version;
    const struct stats *stats;
    size_t leases, owners;
    size_t ports_managed, ports_free, ports_resting;
    size_t connections_open;
    uint64_t journal_appends, journal_compactions, journal_errors;
};

/* Room for the longest text metrics_format writes and its NUL, every
 * count at its largest (tests/metrics_format.c checks it): 5.5 KB, which
 * a client's buffer holds whole after "ok\n" (serve/server.h). */
#define METRICS_TEXT_MAX 5800

/* m as OpenMetrics text in the form Prometheus's text parser also reads
 * (a counter's TYPE names its _total sample), "# EOF" last, into buf.
 * Returns its length, or -1 when it does not fit (buf holds a prefix). */
int metrics_format(char *buf, size_t len, const struct metrics *m);

#endif
