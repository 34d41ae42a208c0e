/* SPDX-License-Identifier: Apache-2.0 */
/* leases.c: the lease table: a state byte and a 12-byte lease a pool
 * port, each owner's leases linked through it, names and per-uid counts.
 *
 * Everything is sized once from the pool and indexed by a port's position
 * in it; no malloc per lease. The tables are mapped zeroed (all free, no
 * owner) and the kernel backs a page only when it is first written: an
 * idle server holds its free queue and little else. The queues of ports
 * not leased are pool.c's, the owner records owner_slots.c's. */
#include "lib/sys.h"
#include "serve/leases.h"
#include "serve/owner_slots.h"
#include "serve/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct uid_count {
    uid_t uid;
    uint32_t count;
};

static struct uid_count *uid_entry(const struct leases *ls, uid_t uid)
{
    for (size_t i = 0; i < ls->nuids; i++)
        if (ls->uids[i].uid == uid)
            return &ls->uids[i];
    return NULL;
}

uint32_t leases_of_uid(const struct leases *ls, uid_t uid)
{
    const struct uid_count *u = uid_entry(ls, uid);
    return u ? u->count : 0;
}

/* uids holds at most one entry a lease: room is reserved at init. */
static void uid_add(struct leases *ls, uid_t uid, int delta)
{
    struct uid_count *u = uid_entry(ls, uid);
    if (!u) {
        u = &ls->uids[ls->nuids++];
        *u = (struct uid_count){uid, 0};
    }
    u->count += (uint32_t)delta;
    if (!u->count)
        *u = ls->uids[--ls->nuids];
}

int leases_init(struct leases *ls, const struct portset *set)
{
    memset(ls, 0, sizeof(*ls));
    probe_opts_default(&ls->probe);
    ls->pool = *set;
    ls->pool.bits[0] &= ~UINT64_C(1); /* port 0 is never leased */
    size_t n = 0, nslots = 4;
    for (size_t w = 0; w < sizeof(ls->below) / sizeof(ls->below[0]); w++) {
        ls->below[w] = (uint16_t)n;
        n += (size_t)__builtin_popcountll(ls->pool.bits[w]);
    }
    ls->npool = n;
    while (nslots < 2 * (n + 2))
        nslots *= 2;
    ls->by_pid_mask = nslots - 1;
    /* One slot a pool port, and one for the asker of a request that the
     * full pool refuses. */
    ls->nslots = n + 1;
    ls->state = pages_alloc(n, sizeof(*ls->state));
    ls->lease = pages_alloc(n, sizeof(*ls->lease));
    ls->free.port = pages_alloc(n, sizeof(uint16_t));
    ls->free.at = pages_alloc(n, sizeof(uint16_t));
    ls->resting.port = pages_alloc(n, sizeof(uint16_t));
    ls->owners = pages_alloc(ls->nslots, sizeof(*ls->owners));
    ls->by_pid = pages_alloc(nslots, sizeof(*ls->by_pid));
    ls->uids = pages_alloc(n, sizeof(*ls->uids));
    if (!ls->state || !ls->lease || !ls->free.port || !ls->free.at ||
        !ls->resting.port || !ls->owners || !ls->by_pid || !ls->uids) {
        leases_fini(ls);
        errno = ENOMEM;
        return -1;
    }
    ls->free.cap = ls->resting.cap = n;
    return 0;
}

void leases_fini(struct leases *ls)
{
    size_t n = ls->npool;
    for (size_t i = 0; ls->name && i < n; i++)
        free(ls->name[i]);
    pages_free(ls->name, n, sizeof(*ls->name));
    pages_free(ls->state, n, sizeof(*ls->state));
    pages_free(ls->lease, n, sizeof(*ls->lease));
    pages_free(ls->free.port, n, sizeof(uint16_t));
    pages_free(ls->free.at, n, sizeof(uint16_t));
    pages_free(ls->resting.port, n, sizeof(uint16_t));
    pages_free(ls->owners, ls->nslots, sizeof(*ls->owners));
    pages_free(ls->by_pid, ls->by_pid_mask + 1, sizeof(*ls->by_pid));
    pages_free(ls->uids, n, sizeof(*ls->uids));
    memset(ls, 0, sizeof(*ls));
}

/* The lease of pool port. */
static struct lease *lease_at(const struct leases *ls, unsigned port)
{
    return &ls->lease[leases_pos(ls, port)];
}

void leases_grant(struct leases *ls, unsigned port, struct owner *o, uid_t uid)
{
    leases_set_state(ls, port, PORT_LEASED);
    *lease_at(ls, port) = (struct lease){
        .uid = uid, .since = (uint32_t)(monotonic_ms() / 1000),
        .owner = (uint16_t)(o - ls->owners), .next = o->first};
    o->first = (uint16_t)port;
    o->nleases++;
    ls->nleases++;
    uid_add(ls, uid, 1);
}

/* Forget the lease of port (not its owner's list); the caller queues the
 * port, which makes it free. */
static void lease_end(struct leases *ls, unsigned port)
{
    size_t i = leases_pos(ls, port);
    if (ls->name) {
        free(ls->name[i]);
        ls->name[i] = NULL;
    }
    uid_add(ls, ls->lease[i].uid, -1);
    ls->nleases--;
}

int leases_name(struct leases *ls, unsigned port, const char *name)
{
    if (!ls->name && !(ls->name = pages_alloc(ls->npool, sizeof(*ls->name))))
        return -1;
    size_t i = leases_pos(ls, port);
    free(ls->name[i]);
    ls->name[i] = strdup(name);
    return ls->name[i] ? 0 : -1;
}

const char *leases_name_of(const struct leases *ls, unsigned port)
{
    return ls->name && portset_has(&ls->pool, port) ? ls->name[leases_pos(ls, port)]
                                                    : NULL;
}

/* End port's lease, unlinked from its owner; returns the owner's pidfd
 * when the owner has no lease left (and is dropped), or -1. */
static int lease_unlink(struct leases *ls, unsigned port)
{
    struct owner *o = &ls->owners[lease_at(ls, port)->owner];
    uint16_t *link = &o->first;
    while (*link != port)
        link = &lease_at(ls, *link)->next;
    *link = lease_at(ls, port)->next;
    lease_end(ls, port);
    if (--o->nleases)
        return -1;
    int pidfd = o->pidfd;
    leases_owner_free(ls, o);
    return pidfd;
}

int leases_ungrant(struct leases *ls, unsigned port)
{
    int pidfd = lease_unlink(ls, port);
    pool_untake(ls, port);
    return pidfd;
}

int leases_release(struct leases *ls, unsigned port)
{
    int pidfd = lease_unlink(ls, port);
    pool_return(ls, port);
    return pidfd;
}

size_t leases_owner_died(struct leases *ls, struct owner *o)
{
    size_t n = 0;
    for (unsigned port = o->first; port; n++) {
        unsigned next = lease_at(ls, port)->next;
        lease_end(ls, port);
        pool_return(ls, port);
        port = next;
    }
    leases_owner_free(ls, o);
    return n;
}

struct lease_counts leases_counts(const struct leases *ls)
{
    return (struct lease_counts){
        .pool = ls->npool, .leased = ls->nleases, .owners = ls->nowners,
        .free = ls->free.len, .resting = ls->resting.len,
    };
}

const struct lease *leases_lease(const struct leases *ls, unsigned port)
{
    if (leases_state(ls, port) != PORT_LEASED)
        return NULL;
    return lease_at(ls, port);
}

struct owner *leases_owner_of(const struct leases *ls, unsigned port)
{
    const struct lease *l = leases_lease(ls, port);
    return l ? &ls->owners[l->owner] : NULL;
}

unsigned leases_next_leased(const struct leases *ls, unsigned port)
{
    port = portset_next(&ls->pool, port);
    for (size_t i = port ? leases_pos(ls, port) : 0; port;
         port = portset_next(&ls->pool, port), i++)
        if (ls->state[i] == PORT_LEASED)
            return port;
    return 0;
}
