/* SPDX-License-Identifier: Apache-2.0 */
/* upkeep.c: the server's work between requests, on timers: ports found
 * bound by others are retried each second, and the state file is synced
 * (or rewritten) a second after a write. A port whose lease ended needs
 * nothing here: it is back in the free queue at once (serve/pool.c). */
#include "serve/log.h"
#include "serve/pool.h"
#include "serve/server.h"
#include "serve/upkeep.h"

#define TURN_PROBES 256      /* probes of resting ports in one turn of the
                              * loop (~10 ms), so clients get served */

static int64_t retry_ports(struct loop *l, void *data)
{
    struct server *s = data;
    (void)l;
    size_t freed = pool_retry(&s->leases, TURN_PROBES);
    if (freed)
        slog(LOG_INFO, "%zu ports no longer bound: free again", freed);
    return leases_counts(&s->leases).resting ? RETRY_MS : LOOP_DONE;
}

/* owners.c arms this timer when an owner's leases end: their ports were
 * probed here once, and now join the free queue at once, probed only when
 * taken (serve/pool.c). It goes with its line in owners.c. */
static int64_t leases_ended(struct loop *l, void *data)
{
    (void)l;
    (void)data;
    return LOOP_DONE;
}

static int64_t sync_state(struct loop *l, void *data)
{
    struct server *s = data;
    char err[256];
    (void)l;
    int rc = state_tick(&s->state, &s->leases, err, sizeof(err));
    log_notes(&s->state.notes);
    if (*err)
        slog(LOG_ERROR, "%s", err);
    return rc < 0 ? SYNC_MS : LOOP_DONE;
}

void upkeep_timers(struct server *s)
{
    s->t_retry = loop_timer(&s->loop, retry_ports, s);
    s->t_sync = loop_timer(&s->loop, sync_state, s);
    s->owners.t_settle = loop_timer(&s->loop, leases_ended, NULL);
}
