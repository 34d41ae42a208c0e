/* SPDX-License-Identifier: Apache-2.0 */
/* upkeep.c: the server's work between requests, on timers: ports found
 * bound by others are retried each second, and the state file is synced
 * (or rewritten) a second after a write, and checked each second while it
 * holds leases (removed, it is written anew). A port whose lease ended needs
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

static int64_t sync_state(struct loop *l, void *data)
{
    struct server *s = data;
    char err[256];
    (void)l;
    int rc = state_tick(&s->state, &s->leases, err, sizeof(err));
    log_notes(&s->state.notes);
    if (*err)
        slog(LOG_ERROR, "%s", err);
    /* Held leases keep it ticking: a state file removed while the server
     * is idle is written anew within a second, not at the next grant. */
    bool watched = s->state.fd >= 0 && leases_counts(&s->leases).leased;
    return rc < 0 || watched ? SYNC_MS : LOOP_DONE;
}

void upkeep_timers(struct server *s)
{
    s->t_retry = loop_timer(&s->loop, retry_ports, s);
    s->t_sync = loop_timer(&s->loop, sync_state, s);
    /* Leases restored at start are watched from the start. */
    loop_timer_within(&s->loop, s->t_sync, SYNC_MS);
}
