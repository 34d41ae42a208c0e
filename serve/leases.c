/* leases.c: the pool, its free queue, the lease table and the owners.
 *
 * Everything is sized once from the pool: a table indexed by port (12 bytes
 * a port, 786 KiB for all 65536), two rings of ports and one owner slot per
 * pool port (and one spare), since an owner holds at least one lease
 * between requests. No malloc per lease.
 * Taking a port pops the head of the free queue; a released port joins the
 * tail, so it rests as long as possible before reuse. A preferred port is
 * taken from where it sits, found by the free queue's index by port (128
 * KiB). */
#include "serve/leases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Put port at index i of r, and note where (the free queue). */
static void ring_set(struct ring *r, size_t i, unsigned port)
{
    r->port[i] = (uint16_t)port;
    if (r->at)
        r->at[port] = (uint16_t)i;
}

static void ring_push(struct ring *r, unsigned port)
{
    ring_set(r, (r->head + r->len++) % r->cap, port);
}

static void ring_push_head(struct ring *r, unsigned port)
{
    r->head = (r->head + r->cap - 1) % r->cap;
    ring_set(r, r->head, port);
    r->len++;
}

static unsigned ring_pop(struct ring *r)
{
    unsigned port = r->port[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return port;
}

/* Is port queued in r (which has an at index)? */
static bool ring_has(const struct ring *r, unsigned port)
{
    size_t i = r->at[port];
    return i < r->cap && r->port[i] == port &&
           (i + r->cap - r->head) % r->cap < r->len;
}

/* Take queued port out of r: the head's port moves into its place, so the
 * oldest free port only waits longer, and no port is reused sooner. */
static void ring_remove(struct ring *r, unsigned port)
{
    ring_set(r, r->at[port], r->port[r->head]);
    ring_pop(r);
}

static size_t pid_slot(const struct leases *ls, pid_t pid)
{
    return ((uint32_t)pid * 2654435761u) & ls->by_pid_mask;
}

/* The by_pid slot holding pid, or the empty slot where it would go. */
static size_t pid_find(const struct leases *ls, pid_t pid)
{
    size_t i = pid_slot(ls, pid);
    while (ls->by_pid[i] && ls->owners[ls->by_pid[i]].pid != pid)
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
        size_t home = pid_slot(ls, ls->owners[ls->by_pid[j]].pid);
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
    ls->npool = portset_count(set);
    size_t nslots = 4;
    while (nslots < 2 * (ls->npool + 2))
        nslots *= 2;
    ls->by_pid_mask = nslots - 1;
    ls->port = calloc(PORT_MAX + 1, sizeof(*ls->port));
    ls->free.port = calloc(ls->npool, sizeof(uint16_t));
    ls->resting.port = calloc(ls->npool, sizeof(uint16_t));
    ls->dying.port = calloc(ls->npool, sizeof(uint16_t));
    /* One slot a pool port, and one for the asker of a request that the
     * full pool refuses; index 0 means "none". */
    ls->nslots = ls->npool + 1;
    ls->owners = calloc(ls->nslots + 1, sizeof(*ls->owners));
    ls->by_pid = calloc(nslots, sizeof(*ls->by_pid));
    ls->uids = calloc(ls->npool, sizeof(*ls->uids));
    ls->free.at = calloc(PORT_MAX + 1, sizeof(uint16_t));
    if (!ls->port || !ls->free.port || !ls->free.at || !ls->resting.port ||
        !ls->dying.port || !ls->owners || !ls->by_pid || !ls->uids) {
        leases_fini(ls);
        errno = ENOMEM;
        return -1;
    }
    ls->free.cap = ls->resting.cap = ls->dying.cap = ls->npool;
    portset_list(set, ls->free.port); /* as scratch: leases_fill queues */
    for (size_t i = 0; i < ls->npool; i++)
        ls->port[ls->free.port[i]].state = PORT_FREE;
    for (uint32_t i = 1; i <= ls->nslots; i++)
        ls->owners[i].next_free = i < ls->nslots ? i + 1 : 0;
    ls->owner_free = 1;
    return 0;
}

void leases_fill(struct leases *ls)
{
    for (unsigned port = 1; port <= PORT_MAX; port++)
        if (ls->port[port].state == PORT_FREE)
            ring_push(&ls->free, port);
}

void leases_fini(struct leases *ls)
{
    for (unsigned port = 0; ls->name && port <= PORT_MAX; port++)
        free(ls->name[port]);
    free(ls->name);
    free(ls->port);
    free(ls->free.port);
    free(ls->free.at);
    free(ls->resting.port);
    free(ls->dying.port);
    free(ls->owners);
    free(ls->by_pid);
    free(ls->uids);
    memset(ls, 0, sizeof(*ls));
}

struct owner *leases_owner(struct leases *ls, pid_t pid)
{
    uint32_t idx = ls->by_pid[pid_find(ls, pid)];
    return idx ? &ls->owners[idx] : NULL;
}

struct owner *leases_owner_new(struct leases *ls, pid_t pid, uint64_t start)
{
    uint32_t idx = ls->owner_free;
    if (!idx)
        return NULL;
    struct owner *o = &ls->owners[idx];
    ls->owner_free = o->next_free;
    *o = (struct owner){.pid = pid, .pidfd = -1, .start = start,
                        .ruid = OWNER_UID_UNKNOWN, .euid = OWNER_UID_UNKNOWN};
    ls->by_pid[pid_find(ls, pid)] = idx;
    ls->nowners++;
    return o;
}

static void owner_release(struct leases *ls, struct owner *o)
{
    pid_remove(ls, pid_find(ls, o->pid));
    uint32_t idx = (uint32_t)(o - ls->owners);
    *o = (struct owner){.pidfd = -1, .next_free = ls->owner_free};
    ls->owner_free = idx;
    ls->nowners--;
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
            ring_push_head(&ls->free, port);
            errno = saved;
            return 0;
        }
        ls->port[port].state = PORT_RESTING;
        ring_push(&ls->resting, port);
    }
    errno = 0;
    return 0;
}

int leases_take_port(struct leases *ls, unsigned port)
{
    char why[64];
    if (port > PORT_MAX || ls->port[port].state != PORT_FREE ||
        !ring_has(&ls->free, port))
        return 0;
    enum probe_result r = probe_port(&ls->probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        return -1;
    ring_remove(&ls->free, port);
    if (r == PROBE_FREE)
        return 1;
    ls->port[port].state = PORT_RESTING;
    ring_push(&ls->resting, port);
    return 0;
}

void leases_untake(struct leases *ls, unsigned port)
{
    ring_push_head(&ls->free, port);
}

void leases_grant(struct leases *ls, unsigned port, struct owner *o, uid_t uid)
{
    struct lease *l = &ls->port[port];
    *l = (struct lease){.state = PORT_LEASED, .next = o->first,
                        .owner = (uint32_t)(o - ls->owners), .uid = uid,
                        .since = (uint32_t)(monotonic_ms() / 1000)};
    o->first = (uint16_t)port;
    o->nleases++;
    ls->nleases++;
    uid_add(ls, uid, 1);
}

/* Forget the lease of port (not its owner's list); port's new state is
 * state. */
static void lease_end(struct leases *ls, unsigned port, enum port_state state)
{
    if (ls->name) {
        free(ls->name[port]);
        ls->name[port] = NULL;
    }
    uid_add(ls, ls->port[port].uid, -1);
    ls->port[port] = (struct lease){.state = (uint8_t)state};
    ls->nleases--;
}

int leases_name(struct leases *ls, unsigned port, const char *name)
{
    if (!ls->name && !(ls->name = calloc(PORT_MAX + 1, sizeof(*ls->name))))
        return -1;
    free(ls->name[port]);
    ls->name[port] = strdup(name);
    return ls->name[port] ? 0 : -1;
}

const char *leases_name_of(const struct leases *ls, unsigned port)
{
    return ls->name ? ls->name[port] : NULL;
}

/* End port's lease, unlinked from its owner, with the port's new state;
 * returns the owner's pidfd when the owner has no lease left (and is
 * dropped), or -1. */
static int lease_unlink(struct leases *ls, unsigned port, enum port_state state)
{
    struct owner *o = &ls->owners[ls->port[port].owner];
    uint16_t *link = &o->first;
    while (*link != port)
        link = &ls->port[*link].next;
    *link = ls->port[port].next;
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
    ring_push_head(&ls->free, port);
    return pidfd;
}

int leases_release(struct leases *ls, unsigned port)
{
    int pidfd = lease_unlink(ls, port, PORT_DYING);
    ring_push(&ls->dying, port);
    return pidfd;
}

size_t leases_owner_died(struct leases *ls, struct owner *o)
{
    size_t n = 0;
    for (unsigned port = o->first; port; n++) {
        unsigned next = ls->port[port].next;
        lease_end(ls, port, PORT_DYING);
        ring_push(&ls->dying, port);
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
    bool free_now = probe_port(&ls->probe, port, why, sizeof(why)) == PROBE_FREE;
    ls->port[port].state = free_now ? PORT_FREE : PORT_RESTING;
    ring_push(free_now ? &ls->free : &ls->resting, port);
    return free_now;
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
    if (port > PORT_MAX || ls->port[port].state != PORT_LEASED)
        return NULL;
    return &ls->port[port];
}

struct owner *leases_owner_of(const struct leases *ls, unsigned port)
{
    const struct lease *l = leases_lease(ls, port);
    return l ? &ls->owners[l->owner] : NULL;
}

bool leases_is_free(const struct leases *ls, unsigned port)
{
    return port <= PORT_MAX && ls->port[port].state == PORT_FREE;
}

unsigned leases_next_leased(const struct leases *ls, unsigned port)
{
    while (port++ < PORT_MAX)
        if (ls->port[port].state == PORT_LEASED)
            return port;
    return 0;
}

struct owner *leases_next_owner(const struct leases *ls, const struct owner *o)
{
    size_t i = o ? (size_t)(o - ls->owners) + 1 : 1;
    for (; ls->owners && i <= ls->nslots; i++)
        if (ls->owners[i].pid)
            return &ls->owners[i];
    return NULL;
}

unsigned leases_next_of_owner(const struct leases *ls, const struct owner *o,
                              unsigned port)
{
    return port ? ls->port[port].next : o->first;
}
