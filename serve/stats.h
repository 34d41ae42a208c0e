/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h: the one way to read the server's counters (metrics.h's struct
 * stats) with the table's counts, and logging them (serve/stats.c). */
#ifndef SERVE_STATS_H
#define SERVE_STATS_H

#include "serve/leases.h"
#include "serve/metrics.h"

#include <stdint.h>

struct server;

/* Everything counted: the counters and what the lease table holds. */
struct stats_view {
    struct stats counters;
    struct lease_counts leases;
};
void stats_read(const struct server *s, struct stats_view *v);

/* Log every figure, one a line, portserver.py's names first. */
void stats_log(const struct server *s, const char *when);

#endif
