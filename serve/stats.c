/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c: reading the server's counters, and logging them (SIGUSR1, and
 * at exit). */
#include "serve/log.h"
#include "serve/server.h"
#include "serve/stats.h"

void stats_read(const struct server *s, struct stats_view *v)
{
    v->counters = s->stats;
    v->counters.polled_owners = s->owners.npolled;
    v->leases = leases_counts(&s->leases);
}

void stats_log(const struct server *s, const char *when)
{
    struct stats_view v;
    stats_read(s, &v);
    const struct stats *st = &v.counters;
    const struct lease_counts *ls = &v.leases;
    slog(LOG_NOTICE, "counters (%s):", when);
    /* portserver.py's names and format first, one counter a line. */
    uint64_t bad = 0, denied = 0;
    for (int d = 0; d < DIALECTS; d++)
        for (int code = 0; code < ERR_UNKNOWN; code++)
            *(refusal_is_bad_request((enum proto_err)code) ? &bad : &denied) +=
                st->refused[d][code];
    slog(LOG_NOTICE, "client-request-errors %llu", (unsigned long long)bad);
    slog(LOG_NOTICE, "denied-allocations %llu", (unsigned long long)denied);
    slog(LOG_NOTICE, "num-ports-managed %zu", ls->pool);
    slog(LOG_NOTICE, "num-ports-checked-for-last-request %llu",
         (unsigned long long)st->checked_last);
    slog(LOG_NOTICE, "total-allocations %llu", (unsigned long long)st->allocations);
    slog(LOG_NOTICE, "leases-held %zu", ls->leased);
    slog(LOG_NOTICE, "owners %zu", ls->owners);
    slog(LOG_NOTICE, "leases-reclaimed %llu", (unsigned long long)st->reclaimed);
    slog(LOG_NOTICE, "outsiders-skipped %llu", (unsigned long long)st->outsiders);
    slog(LOG_NOTICE, "ports-free %zu", ls->free);
    slog(LOG_NOTICE, "ports-resting %zu", ls->resting);
}
