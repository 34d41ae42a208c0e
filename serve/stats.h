/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h: the server's counters, in one struct, and the one way to read
 * them with the table's counts (serve/stats.c). */
#ifndef SERVE_STATS_H
#define SERVE_STATS_H

#include "serve/leases.h"

#include <stdint.h>

struct stats {
    uint64_t request_errors;    /* bad requests (client-request-errors) */
    uint64_t denied;            /* refusals of good requests */
    uint64_t checked_last;      /* ports probed for the last pick */
    uint64_t allocations;       /* ports granted */
    uint64_t reclaimed;         /* leases ended by their owners' deaths */
    uint64_t outsiders;         /* ports found bound by others */
};

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
