/* SPDX-License-Identifier: Apache-2.0 */
/* grant.c: a grant, in a straight line: resolve the pid into ours, find or
 * check its owner (owners.c), take the ports (pool.c), lease them
 * (leases.c) and write them to the state file (state.c); ending a lease
 * early too. Every refusal goes through deny() into the caller's refusal. */
#include "serve/grant.h"
#include "serve/leases.h"
#include "serve/log.h"
#include "serve/owner_slots.h"
#include "serve/pool.h"
#include "serve/proc.h"
#include "serve/server.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* Probes for each port asked, at most: a request's time stays bounded even
 * when the head of the free queue is bound (outsiders, or a dead owner's
 * ports its children still hold: those wait at the tail, so they meet a
 * request only in a queue that holds little else). Each found bound rests,
 * so the next request starts past it. */
#define PROBE_BUDGET 8

/* Which process, in our namespace, does pid name for c? 0 with a refusal
 * when none may own a lease; PIDNS_WAIT when only a new pid map can tell. */
static pid_t resolve(struct server *s, const struct caller *c, long long pid,
                     struct refusal *why)
{
    char said[sizeof(why->why)];
    if (pid <= 0 || pid > INT_MAX) {
        deny(why, ERR_NO_SUCH_PID, "pid %lld is out of range", pid);
        return 0;
    }
    pid_t ours = pidns_resolve(&s->pidns, c->pid, pid, c->asked, said,
                               sizeof(said));
    if (ours == PIDNS_WAIT)
        return PIDNS_WAIT;
    if (ours <= 0) {
        deny(why, ours < 0 ? ERR_PID_REFUSED : ERR_NO_SUCH_PID, "%s", said);
        return 0;
    }
    if (ours == 1) {
        deny(why, ERR_PID_REFUSED, "pid 1 never exits");
        return 0;
    }
    if (ours != pid)
        slog(LOG_DEBUG, "pid %lld of pid %d's namespace is our pid %d", pid,
             (int)c->pid, (int)ours);
    return ours;
}

/* Take the preferred ports that can be had, in order, into ports (at
 * most count), adding the probes to *checked_all; returns how many, or -1
 * with errno when a probe failed (those taken are back at the head of the
 * free queue). */
static int take_preferred(struct server *s, const struct request *r,
                          unsigned *ports, unsigned *checked_all)
{
    struct leases *ls = &s->leases;
    unsigned got = 0;
    for (unsigned i = 0; i < r->nprefer && got < r->count; i++) {
        unsigned checked;
        int took = pool_take_port(ls, r->prefer[i], &checked);
        *checked_all += checked;
        /* A port of a dead owner is first probed here: one still bound
         * (by a child it left) counts as an outsider, as in pool_take. */
        s->stats.outsiders += checked && !took;
        if (took < 0) {
            int saved = errno;
            while (got--)
                pool_untake(ls, ports[got]);
            errno = saved;
            return -1;
        }
        if (took)
            ports[got++] = r->prefer[i];
    }
    return (int)got;
}

/* Take r->count ports, the preferred first, all or none: when one cannot
 * be had, those taken go back to the head of the free queue. Returns
 * true, or false with errno set (0: no free port found). */
static bool take(struct server *s, const struct request *r, unsigned *ports)
{
    struct leases *ls = &s->leases;
    unsigned checked_all = 0;
    int first = take_preferred(s, r, ports, &checked_all);
    if (first < 0)
        return false;
    for (unsigned i = (unsigned)first; i < r->count; i++) {
        unsigned checked;
        ports[i] = pool_take(ls, PROBE_BUDGET, &checked);
        checked_all += checked;
        s->stats.outsiders += checked - (ports[i] || errno ? 1 : 0);
        if (!ports[i]) {
            int saved = errno;
            while (i--)
                pool_untake(ls, ports[i]);
            s->stats.checked_last = checked_all;
            errno = saved;
            return false;
        }
    }
    s->stats.checked_last = checked_all;
    return true;
}

/* Lease the ports taken to o, named, and write them to the state file;
 * when that fails, undo them (the file is back as it was). */
static bool lease(struct server *s, const struct caller *c, struct owner *o,
                  const struct request *r, const unsigned *ports,
                  struct refusal *why)
{
    char err[sizeof(why->why)];
    const char *const *names = r->nnames ? r->names : NULL;
    struct grants g = {.pid = o->pid, .start = o->start, .uid = c->uid,
                       .count = r->count, .ports = ports, .names = names};
    for (unsigned i = 0; i < r->count; i++) {
        leases_grant(&s->leases, ports[i], o, c->uid);
        if (names && leases_name(&s->leases, ports[i], names[i]) < 0)
            slog(LOG_WARN, "port %u: name %s not kept: out of memory",
                 ports[i], names[i]);
    }
    loop_timer_within(&s->loop, s->t_sync, SYNC_MS);
    int rc = state_append_grants(&s->state, &g, &s->leases, err, sizeof(err));
    log_notes(&s->state.notes);
    if (rc == 0)
        return true;
    for (unsigned i = 0; i < r->count; i++)
        owners_end_lease(&s->owners, ports[i], true);
    deny(why, ERR_SERVER, "%s", err);
    return false;
}

/* A pool too empty refuses in O(1), before any /proc lookup. The free
 * count is of ports neither leased nor known bound: one whose lease ended
 * but that a child of its owner still holds passes here, and take()'s
 * probe refuses it. */
static bool pool_has(struct server *s, unsigned count, struct refusal *why)
{
    size_t free = leases_counts(&s->leases).free;
    if (free >= count)
        return true;
    s->stats.checked_last = 0;
    if (count == 1)
        deny(why, ERR_EXHAUSTED, "no free port left in the pool");
    else
        deny(why, ERR_EXHAUSTED, "%u ports asked, %zu free in the pool", count,
             free);
    return false;
}

/* Is c's uid below its quota with count more leases? */
static bool within_quota(struct server *s, const struct caller *c,
                         unsigned count, struct refusal *why)
{
    uint32_t held = leases_of_uid(&s->leases, c->uid);
    unsigned quota = uid_limit(s->quota, c->uid);
    if (!quota || held + count <= quota)
        return true;
    deny(why, ERR_QUOTA, "uid %u holds %u leases already "
         "(--max-leases-per-uid %u)", (unsigned)c->uid, held, quota);
    return false;
}

static void log_grant(const struct caller *c, pid_t owner, unsigned count,
                      const unsigned *ports)
{
    if (count == 1)
        slog(LOG_INFO, "port %u to pid %d (uid %u)", ports[0], (int)owner,
             (unsigned)c->uid);
    else
        slog(LOG_INFO, "%u ports (%u...) to pid %d (uid %u)", count, ports[0],
             (int)owner, (unsigned)c->uid);
    if (log_level >= LOG_DEBUG) {
        char cmd[256];
        proc_cmdline(owner, cmd, sizeof(cmd));
        slog(LOG_DEBUG, "pid %d is: %s", (int)owner, cmd);
    }
}

enum grant_result grant(struct server *s, const struct caller *c,
                        const struct request *r, unsigned *ports,
                        struct refusal *why)
{
    if (!pool_has(s, r->count, why))
        return REFUSED;
    pid_t pid = resolve(s, c, r->pid, why);
    if (pid == PIDNS_WAIT)
        return WAIT;
    struct owner *o = pid && within_quota(s, c, r->count, why)
                      ? owners_get(&s->owners, c, pid, why) : NULL;
    if (!o)
        return REFUSED;
    uint64_t outsiders = s->stats.outsiders;
    bool took = take(s, r, ports);
    int saved = errno;
    /* Ports found bound went to rest: start retrying them. */
    if (s->stats.outsiders != outsiders) {
        slog(LOG_INFO, "%llu ports bound by others: retried each second",
             (unsigned long long)(s->stats.outsiders - outsiders));
        loop_timer_within(&s->loop, s->t_retry, RETRY_MS);
    }
    if (!took) {
        owners_drop_idle(&s->owners, o);
        if (saved)
            deny(why, ERR_SERVER, "probe: %s", strerror(saved));
        else
            deny(why, ERR_EXHAUSTED, "%s", leases_counts(&s->leases).free
                 ? "every port probed is bound by another process"
                 : "no free port left in the pool");
        return REFUSED;
    }
    if (!lease(s, c, o, r, ports, why))
        return REFUSED;
    log_grant(c, pid, r->count, ports);
    return GRANTED;
}

/* End port's lease and record it. */
static void end_recorded(struct server *s, unsigned port, bool undo)
{
    owners_end_lease(&s->owners, port, undo);
    if (state_append_end(&s->state, port) < 0)
        slog(LOG_ERROR, "%s: %s", s->opts->state, strerror(errno));
    log_notes(&s->state.notes);
    loop_timer_within(&s->loop, s->t_sync, SYNC_MS);
}

void grant_undo(struct server *s, unsigned port)
{
    end_recorded(s, port, true);
}

void grant_release(struct server *s, unsigned port)
{
    s->stats.released++;
    end_recorded(s, port, false);
}

int grant_restore(void *arg, unsigned port, pid_t pid, uint64_t start,
                  uid_t uid, const char *name)
{
    struct server *s = arg;
    /* As root would ask: any process but a kernel thread. */
    const struct caller restorer = {.uid = 0};
    struct refusal why = {0};
    if (leases_state(&s->leases, port) != PORT_FREE) {
        slog(LOG_INFO, "saved lease of port %u dropped: not in the pool", port);
        return 0;
    }
    if (pid == 1) { /* never exits: only a hand-made record names it */
        slog(LOG_INFO, "saved lease of port %u dropped: pid 1 never exits",
             port);
        s->dropped++;
        return 0;
    }
    struct owner *o = owners_get(&s->owners, &restorer, pid, &why);
    /* A check that failed (EMFILE, ENOMEM: ERR_SERVER) says nothing of
     * the process: its lease is kept on the record's word, the owner
     * polled until it is seen gone, never dropped for a failure. Start
     * time 0 was saved by a server without /proc: unknown, so the lease is
     * kept by the process of that pid. */
    if (!o && why.code == ERR_SERVER) {
        slog(LOG_WARN, "saved lease of port %u kept unchecked: %s", port,
             why.why);
        o = owners_restore_unchecked(&s->owners, pid, start);
    } else if (o && start && o->start && o->start != start) {
        owners_drop_idle(&s->owners, o); /* frees o */
        o = NULL;
    }
    if (!o) {
        slog(LOG_DEBUG, "saved lease of port %u dropped: pid %d is gone", port,
             (int)pid);
        s->dropped++;
        return 0;
    }
    leases_grant(&s->leases, port, o, uid);
    if (name && leases_name(&s->leases, port, name) < 0)
        slog(LOG_WARN, "port %u: name %s not kept: out of memory", port, name);
    return 0;
}
