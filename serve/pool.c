/* SPDX-License-Identifier: Apache-2.0 */
/* pool.c: the ports not leased: the free queue and the resting queue
 * (ports found bound by someone else, retried each second).
 *
 * A port is probed once a cycle, when it is taken: that probe alone
 * decides whether it is handed out. A port whose lease ended joins the
 * tail of the free queue unprobed. A child of its dead owner may still
 * hold it; but an outsider may bind any queued port too, so a probe at the
 * lease's end would not spare the one at the take, which comes only after
 * every older free port has gone. The free queue thus holds the ports
 * neither leased nor known bound.
 *
 * A preferred port is taken from where it sits in the free queue, found by
 * the queue's index by position (ring.at), in O(1). */
#include "serve/pool.h"

#include <errno.h>

/* Put port at index i of r, and note where (the free queue). */
static void ring_set(const struct leases *ls, struct ring *r, size_t i,
                     unsigned port)
{
    r->port[i] = (uint16_t)port;
    if (r->at)
        r->at[leases_pos(ls, port)] = (uint16_t)i;
}

static void ring_push(const struct leases *ls, struct ring *r, unsigned port)
{
    ring_set(ls, r, (r->head + r->len++) % r->cap, port);
}

static void ring_push_head(const struct leases *ls, struct ring *r,
                           unsigned port)
{
    r->head = (r->head + r->cap - 1) % r->cap;
    ring_set(ls, r, r->head, port);
    r->len++;
}

static unsigned ring_pop(struct ring *r)
{
    unsigned port = r->port[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return port;
}

/* Is pool port queued in r (which has an at index)? */
static bool ring_has(const struct leases *ls, const struct ring *r,
                     unsigned port)
{
    size_t i = r->at[leases_pos(ls, port)];
    return i < r->cap && r->port[i] == port &&
           (i + r->cap - r->head) % r->cap < r->len;
}

/* Take queued port out of r: the head's port moves into its place, so the
 * oldest free port only waits longer, and no port is reused sooner. */
static void ring_remove(const struct leases *ls, struct ring *r, unsigned port)
{
    ring_set(ls, r, r->at[leases_pos(ls, port)], r->port[r->head]);
    ring_pop(r);
}

void pool_fill(struct leases *ls)
{
    size_t i = 0;
    for (unsigned port = portset_next(&ls->pool, 0); port;
         port = portset_next(&ls->pool, port), i++)
        if (ls->state[i] == PORT_FREE)
            ring_push(ls, &ls->free, port);
}

/* Port was found bound: it joins the tail of the resting queue. */
static void rest(struct leases *ls, unsigned port)
{
    leases_set_state(ls, port, PORT_RESTING);
    ring_push(ls, &ls->resting, port);
}

unsigned pool_take(struct leases *ls, unsigned budget, unsigned *checked)
{
    *checked = 0;
    while (ls->free.len && *checked < budget) {
        unsigned port = ring_pop(&ls->free);
        char why[64];
        ++*checked;
        enum probe_result r = probe_port(&ls->probe, port, why, sizeof(why));
        if (r == PROBE_FREE)
            return port;
        if (r == PROBE_ERROR) {
            int saved = errno;
            ring_push_head(ls, &ls->free, port);
            errno = saved;
            return 0;
        }
        rest(ls, port);
    }
    errno = 0;
    return 0;
}

int pool_take_port(struct leases *ls, unsigned port, unsigned *checked)
{
    char why[64];
    *checked = 0;
    if (leases_state(ls, port) != PORT_FREE || !ring_has(ls, &ls->free, port))
        return 0;
    *checked = 1;
    enum probe_result r = probe_port(&ls->probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        return -1;
    ring_remove(ls, &ls->free, port);
    if (r == PROBE_FREE)
        return 1;
    rest(ls, port);
    return 0;
}

void pool_untake(struct leases *ls, unsigned port)
{
    leases_set_state(ls, port, PORT_FREE);
    ring_push_head(ls, &ls->free, port);
}

void pool_return(struct leases *ls, unsigned port)
{
    leases_set_state(ls, port, PORT_FREE);
    ring_push(ls, &ls->free, port);
}

/* Probe resting port: free, it joins the tail of the free queue (true);
 * bound, the tail of the resting queue again (false). */
static bool retry(struct leases *ls, unsigned port)
{
    char why[64];
    if (probe_port(&ls->probe, port, why, sizeof(why)) != PROBE_FREE) {
        rest(ls, port);
        return false;
    }
    pool_return(ls, port);
    return true;
}

size_t pool_retry(struct leases *ls, size_t budget)
{
    size_t freed = 0;
    for (size_t n = ls->resting.len < budget ? ls->resting.len : budget; n; n--)
        freed += retry(ls, ring_pop(&ls->resting));
    return freed;
}
