/* SPDX-License-Identifier: Apache-2.0 */
/* leases.c: the pool, its free queue, the lease table and the owners.
 *
 * Everything is sized once from the pool and indexed by a port's position
 * in it: a state byte and a 12-byte lease a pool port, three rings of ports
 * and one owner slot per pool port (and one spare), since an owner holds at
 * least one lease between requests. No malloc per lease. The tables are
 * mapped zeroed (all free, no owner) and the kernel backs a page only when
 * it is first written: an idle server holds its free queue and little else,
 * and owner slots are handed out from a high-water mark.
 * Taking a port pops the head of the free queue; a released port joins the
 * tail, so it rests as long as possible before reuse. A preferred port is
 * taken from where it sits, found by the free queue's index by position. */
#include "serve/leases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool in_pool(const struct leases *ls, unsigned port)
{
    return portset_has(&ls->pool, port);
}

/* The position of pool port among the pool's ports, in O(1). */
static size_t pos(const struct leases *ls, unsigned port)
{
    uint64_t word = ls->pool.bits[port / 64];
    uint64_t below = word & ((UINT64_C(1) << (port % 64)) - 1);
    return ls->below[port / 64] + (size_t)__builtin_popcountll(below);
}

/* Put port at index i of r, and note where (the free queue). */
static void ring_set(const struct leases *ls, struct ring *r, size_t i,
                     unsigned port)
{
    r->port[i] = (uint16_t)port;
    if (r->at)
        r->at[pos(ls, port)] = (uint16_t)i;
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
    size_t i = r->at[pos(ls, port)];
    return i < r->cap && r->port[i] == port &&
           (i + r->cap - r->head) % r->cap < r->len;
}

/* Take queued port out of r: the head's port moves into its place, so the
 * oldest free port only waits longer, and no port is reused sooner. */
static void ring_remove(const struct leases *ls, struct ring *r, unsigned port)
{
    ring_set(ls, r, r->at[pos(ls, port)], r->port[r->head]);
    ring_pop(r);
}

static struct owner *slot(const struct leases *ls, uint32_t entry)
{
    return &ls->owners[entry - 1];
}

static size_t pid_slot(const struct leases *ls, pid_t pid)
{
    return ((uint32_t)pid * 2654435761u) & ls->by_pid_mask;
}

/* The by_pid slot holding pid, or the empty slot where it would go. */
static size_t pid_find(const struct leases *ls, pid_t pid)
{
    size_t i = pid_slot(ls, pid);
    while (ls->by_pid[i] && slot(ls, ls->by_pid[i])->pid != pid)
        i = (i + 1) & ls->by_pid_mask;
    return i;
}

/* Remove slot i, shifting back the entries after it (no tombstones). */
static void pid_remove(struct leases *ls, size_t i)
{
    size_t j = i;
    ls->by_pid[i] = 0;
    for (;;) {
        j = (j + 1) & ls->by_pid_mask;
        if (!ls->by_pid[j])
            return;
        size_t home = pid_slot(ls, slot(ls, ls->by_pid[j])->pid);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
            ls->by_pid[i] = ls->by_pid[j];
            ls->by_pid[j] = 0;
            i = j;
        }
    }
}

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
    ls->dying.port = pages_alloc(n, sizeof(uint16_t));
    ls->owners = pages_alloc(ls->nslots, sizeof(*ls->owners));
    ls->by_pid = pages_alloc(nslots, sizeof(*ls->by_pid));
    ls->uids = pages_alloc(n, sizeof(*ls->uids));
    if (!ls->state || !ls->lease || !ls->free.port || !ls->free.at ||
        !ls->resting.port || !ls->dying.port || !ls->owners || !ls->by_pid ||
        !ls->uids) {
        leases_fini(ls);
        errno = ENOMEM;
        return -1;
    }
    ls->free.cap = ls->resting.cap = ls->dying.cap = n;
    return 0;
}

void leases_fill(struct leases *ls)
{
    size_t i = 0;
    for (unsigned port = portset_next(&ls->pool, 0); port;
         port = portset_next(&ls->pool, port), i++)
        if (ls->state[i] == PORT_FREE)
            ring_push(ls, &ls->free, port);
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
    pages_free(ls->dying.port, n, sizeof(uint16_t));
    pages_free(ls->owners, ls->nslots, sizeof(*ls->owners));
    pages_free(ls->by_pid, ls->by_pid_mask + 1, sizeof(*ls->by_pid));
    pages_free(ls->uids, n, sizeof(*ls->uids));
    memset(ls, 0, sizeof(*ls));
}

struct owner *leases_owner(struct leases *ls, pid_t pid)
{
    uint32_t entry = ls->by_pid[pid_find(ls, pid)];
    return entry ? slot(ls, entry) : NULL;
}

struct owner *leases_owner_new(struct leases *ls, pid_t pid, uint64_t start)
{
    uint32_t entry = ls->owner_free;
    if (entry)
        ls->owner_free = slot(ls, entry)->next_free;
    else if (ls->owners_used < ls->nslots)
        entry = (uint32_t)++ls->owners_used;
    else
        return NULL;
    struct owner *o = slot(ls, entry);
    *o = (struct owner){.pid = pid, .pidfd = -1, .start = start,
                        .ruid = OWNER_UID_UNKNOWN, .euid = OWNER_UID_UNKNOWN};
    ls->by_pid[pid_find(ls, pid)] = entry;
    ls->nowners++;
    return o;
}

static void owner_release(struct leases *ls, struct owner *o)
{
    pid_remove(ls, pid_find(ls, o->pid));
    *o = (struct owner){.pidfd = -1, .next_free = ls->owner_free};
    ls->owner_free = (uint32_t)(o - ls->owners) + 1;
    ls->nowners--;
}

/* The lease of pool port, and its state. */
static struct lease *lease_at(const struct leases *ls, unsigned port)
{
    return &ls->lease[pos(ls, port)];
}

static void set_state(struct leases *ls, unsigned port, enum port_state state)
{
    ls->state[pos(ls, port)] = (uint8_t)state;
}

static enum port_state state_of(const struct leases *ls, unsigned port)
{
    return in_pool(ls, port) ? ls->state[pos(ls, port)] : PORT_OUTSIDE;
}

/* Port was found bound: it joins the tail of the resting queue. */
static void rest(struct leases *ls, unsigned port)
{
    set_state(ls, port, PORT_RESTING);
    ring_push(ls, &ls->resting, port);
}

unsigned leases_take(struct leases *ls, unsigned budget, unsigned *checked)
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

int leases_take_port(struct leases *ls, unsigned port)
{
    char why[64];
    if (state_of(ls, port) != PORT_FREE || !ring_has(ls, &ls->free, port))
        return 0;
    enum probe_result r = probe_port(&ls->probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        return -1;
    ring_remove(ls, &ls->free, port);
    if (r == PROBE_FREE)
        return 1;
    rest(ls, port);
    return 0;
}

void leases_untake(struct leases *ls, unsigned port)
{
    ring_push_head(ls, &ls->free, port);
}

void leases_grant(struct leases *ls, unsigned port, struct owner *o, uid_t uid)
{
    set_state(ls, port, PORT_LEASED);
    *lease_at(ls, port) = (struct lease){
        .uid = uid, .since = (uint32_t)(monotonic_ms() / 1000),
        .owner = (uint16_t)(o - ls->owners), .next = o->first};
    o->first = (uint16_t)port;
    o->nleases++;
    ls->nleases++;
    uid_add(ls, uid, 1);
}

/* Forget the lease of port (not its owner's list); port's new state is
 * state. */
static void lease_end(struct leases *ls, unsigned port, enum port_state state)
{
    size_t i = pos(ls, port);
    if (ls->name) {
        free(ls->name[i]);
        ls->name[i] = NULL;
    }
    uid_add(ls, ls->lease[i].uid, -1);
    ls->state[i] = (uint8_t)state;
    ls->nleases--;
}

int leases_name(struct leases *ls, unsigned port, const char *name)
{
    if (!ls->name && !(ls->name = pages_alloc(ls->npool, sizeof(*ls->name))))
        return -1;
    size_t i = pos(ls, port);
    free(ls->name[i]);
    ls->name[i] = strdup(name);
    return ls->name[i] ? 0 : -1;
}

const char *leases_name_of(const struct leases *ls, unsigned port)
{
    return ls->name && in_pool(ls, port) ? ls->name[pos(ls, port)] : NULL;
}

/* End port's lease, unlinked from its owner, with the port's new state;
 * returns the owner's pidfd when the owner has no lease left (and is
 * dropped), or -1. */
static int lease_unlink(struct leases *ls, unsigned port, enum port_state state)
{
    struct owner *o = &ls->owners[lease_at(ls, port)->owner];
    uint16_t *link = &o->first;
    while (*link != port)
        link = &lease_at(ls, *link)->next;
    *link = lease_at(ls, port)->next;
    lease_end(ls, port, state);
    if (--o->nleases)
        return -1;
    int pidfd = o->pidfd;
    owner_release(ls, o);
    return pidfd;
}

int leases_ungrant(struct leases *ls, unsigned port)
{
    int pidfd = lease_unlink(ls, port, PORT_FREE);
    ring_push_head(ls, &ls->free, port);
    return pidfd;
}

int leases_release(struct leases *ls, unsigned port)
{
    int pidfd = lease_unlink(ls, port, PORT_DYING);
    ring_push(ls, &ls->dying, port);
    return pidfd;
}

size_t leases_owner_died(struct leases *ls, struct owner *o)
{
    size_t n = 0;
    for (unsigned port = o->first; port; n++) {
        unsigned next = lease_at(ls, port)->next;
        lease_end(ls, port, PORT_DYING);
        ring_push(ls, &ls->dying, port);
        port = next;
    }
    owner_release(ls, o);
    return n;
}

/* Probe port: free, it joins the tail of the free queue (true); bound, it
 * joins the tail of the resting queue (false). */
static bool settle(struct leases *ls, unsigned port)
{
    char why[64];
    if (probe_port(&ls->probe, port, why, sizeof(why)) != PROBE_FREE) {
        rest(ls, port);
        return false;
    }
    set_state(ls, port, PORT_FREE);
    ring_push(ls, &ls->free, port);
    return true;
}

size_t leases_settle(struct leases *ls, size_t budget, size_t *bound)
{
    size_t freed = 0;
    *bound = 0;
    for (; ls->dying.len && budget; budget--) {
        if (settle(ls, ring_pop(&ls->dying)))
            freed++;
        else
            ++*bound;
    }
    return freed;
}

size_t leases_retry(struct leases *ls, size_t budget)
{
    size_t freed = 0;
    for (size_t n = ls->resting.len < budget ? ls->resting.len : budget; n; n--)
        freed += settle(ls, ring_pop(&ls->resting));
    return freed;
}

const struct lease *leases_lease(const struct leases *ls, unsigned port)
{
    if (state_of(ls, port) != PORT_LEASED)
        return NULL;
    return lease_at(ls, port);
}

struct owner *leases_owner_of(const struct leases *ls, unsigned port)
{
    const struct lease *l = leases_lease(ls, port);
    return l ? &ls->owners[l->owner] : NULL;
}

bool leases_is_free(const struct leases *ls, unsigned port)
{
    return state_of(ls, port) == PORT_FREE;
}

unsigned leases_next_leased(const struct leases *ls, unsigned port)
{
    port = portset_next(&ls->pool, port);
    for (size_t i = port ? pos(ls, port) : 0; port;
         port = portset_next(&ls->pool, port), i++)
        if (ls->state[i] == PORT_LEASED)
            return port;
    return 0;
}

struct owner *leases_next_owner(const struct leases *ls, const struct owner *o)
{
    size_t i = o ? (size_t)(o - ls->owners) + 1 : 0;
    for (; ls->owners && i < ls->owners_used; i++)
        if (ls->owners[i].pid)
            return &ls->owners[i];
    return NULL;
}

unsigned leases_next_of_owner(const struct leases *ls, const struct owner *o,
                              unsigned port)
{
    return port ? lease_at(ls, port)->next : o->first;
}
