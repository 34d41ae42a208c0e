/* server.c: the server's work: resolving owners, granting, reclaiming,
 * and the timers that retry, poll and sync (run.c starts and stops it).
 *
 * An owner is watched by a pidfd in the event loop (Linux >= 5.3), so its
 * leases end within milliseconds of its death. Where pidfd_open fails
 * (ENOSYS before 5.3, or fds running short), the owner is polled instead:
 * every POLL_MS its /proc start time is compared with the recorded one, so
 * a reused pid neither keeps nor steals a lease. */
#include "serve/owner.h"
#include "serve/server.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define PROBE_BUDGET 8       /* probes per request, at most */
#define RETRY_MS 1000        /* resting ports are probed again this often */
#define TURN_PROBES 256      /* probes of freed or resting ports in one turn
                              * of the loop (~10 ms), so clients get served */
#define POLL_MS 1000         /* owners without a pidfd are checked this often */
#define SYNC_MS 1000         /* the journal is fsync'd this long after a write */

/* Probe a turn's worth of ports of dead owners and released ones; run
 * again at once while some are left. */
static int64_t settle_timer(struct loop *l, void *data)
{
    struct server *s = data;
    size_t bound, freed = leases_settle(&s->leases, TURN_PROBES, &bound);
    if (freed)
        slog(LOG_DEBUG, "%zu ports free again", freed);
    if (bound) {
        s->stats.outsiders += bound;
        slog(LOG_INFO, "%zu ports still bound by others: retried each second",
             bound);
        loop_timer_within(l, s->t_retry, RETRY_MS);
    }
    return s->leases.dying.len ? 0 : LOOP_DONE;
}

/* The owner is gone (or has no lease left): end its leases. */
static void owner_gone(struct server *s, struct owner *o)
{
    pid_t pid = o->pid;
    if (o->pidfd >= 0) {
        loop_del(&s->loop, o->pidfd);
        close(o->pidfd);
    } else {
        s->stats.polled_owners--;
    }
    size_t n = leases_owner_died(&s->leases, o);
    if (!n)
        return;
    s->stats.reclaimed += n;
    slog(LOG_INFO, "pid %d exited: %zu leases ended", (int)pid, n);
    loop_timer_within(&s->loop, s->t_settle, 0);
}

/* A pidfd is readable once its process has exited. */
static void owner_exited(struct loop *l, int fd, void *data, int mask)
{
    (void)fd;
    (void)mask;
    owner_gone(l->ctx, data);
}

static int64_t poll_owners(struct loop *l, void *data)
{
    struct server *s = data;
    (void)l;
    for (struct owner *o = leases_next_owner(&s->leases, NULL); o;
         o = leases_next_owner(&s->leases, o)) {
        uint64_t start;
        if (o->pidfd < 0 &&
            (proc_start_time(o->pid, &start) < 0 || start != o->start))
            owner_gone(s, o);
    }
    return s->stats.polled_owners ? POLL_MS : LOOP_DONE;
}

static int64_t retry_resting(struct loop *l, void *data)
{
    struct server *s = data;
    (void)l;
    size_t freed = leases_retry(&s->leases, TURN_PROBES);
    if (freed)
        slog(LOG_INFO, "%zu ports no longer bound: free again", freed);
    return s->leases.resting.len ? RETRY_MS : LOOP_DONE;
}

static int64_t sync_journal(struct loop *l, void *data)
{
    struct server *s = data;
    char err[256];
    (void)l;
    int rc = journal_tick(&s->journal, &s->leases, err, sizeof(err));
    if (*err)
        slog(LOG_ERROR, "%s", err);
    return rc < 0 ? SYNC_MS : LOOP_DONE;
}

void server_timers(struct server *s)
{
    s->t_retry = loop_timer(&s->loop, retry_resting, s);
    s->t_settle = loop_timer(&s->loop, settle_timer, s);
    s->t_poll = loop_timer(&s->loop, poll_owners, s);
    s->t_sync = loop_timer(&s->loop, sync_journal, s);
}

/* A watch on a new owner: a pidfd if we can spare the fd, else polling. */
static void watch(struct server *s, struct owner *o, int pidfd)
{
    if (pidfd >= s->fd_limit - FD_HEADROOM) {
        close(pidfd);
        pidfd = -1;
    }
    if (pidfd >= 0 && loop_add(&s->loop, pidfd, owner_exited, NULL, o) < 0) {
        slog(LOG_WARN, "epoll_ctl: %s", strerror(errno));
        close(pidfd);
        pidfd = -1;
    }
    o->pidfd = pidfd;
    if (pidfd < 0 && s->stats.polled_owners++ == 0)
        loop_timer_within(&s->loop, s->t_poll, POLL_MS);
}

/* The owner record for pid, alive with start time start: found, or new.
 * NULL when the process is gone. */
static struct owner *owner_get(struct server *s, pid_t pid, uint64_t start)
{
    struct owner *o = leases_owner(&s->leases, pid);
    if (o && o->start == start)
        return o;
    if (o)
        owner_gone(s, o); /* the pid was reused */
    int pidfd = s->opts->no_pidfd ? -1 : pidfd_open_pid(pid);
    if (pidfd < 0 && errno == ESRCH)
        return NULL;
    uint64_t again;
    /* pidfd_open may have caught a newcomer on a reused pid: the start
     * time read after it must still be the one we checked. */
    if (proc_start_time(pid, &again) < 0 || again != start) {
        if (pidfd >= 0)
            close(pidfd);
        return NULL;
    }
    o = leases_owner_new(&s->leases, pid, start);
    watch(s, o, pidfd);
    return o;
}

/* Which process, in our namespace, does pid name for this client? 0 and
 * s->why when none may own a lease. */
static pid_t resolve(struct server *s, const struct client *c, long long pid)
{
    uint64_t ns;
    if (pid <= 0 || pid > INT_MAX) {
        snprintf(s->why, sizeof(s->why), "pid %lld is out of range", pid);
        return 0;
    }
    if (s->pidns && c->peer_pid > 0 && proc_pidns(c->peer_pid, &ns) == 0 &&
        ns != s->pidns) {
        pid_t ours = proc_translate_pid(ns, (pid_t)pid);
        if (!ours)
            snprintf(s->why, sizeof(s->why),
                     "no pid %lld in the caller's pid namespace", pid);
        else
            slog(LOG_DEBUG, "pid %lld of pid namespace %llu is our pid %d",
                 pid, (unsigned long long)ns, (int)ours);
        return ours;
    }
    if (pid == 1) {
        snprintf(s->why, sizeof(s->why), "pid 1 never exits");
        return 0;
    }
    return (pid_t)pid;
}

/* Refuse with code and a reason in s->why; returns 0 for the caller. */
static unsigned deny(struct server *s, enum proto_err *code,
                     enum proto_err which, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static unsigned deny(struct server *s, enum proto_err *code,
                     enum proto_err which, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
    *code = which;
    return 0;
}

/* Take count ports and lease them to o, all or none: when one cannot be
 * had, those taken go back to the head of the free queue. */
static bool take_all(struct server *s, struct owner *o, uid_t uid,
                     unsigned count, unsigned *ports)
{
    struct leases *ls = &s->leases;
    unsigned checked_all = 0;
    for (unsigned i = 0; i < count; i++) {
        unsigned checked;
        ports[i] = leases_take(ls, PROBE_BUDGET, &checked);
        checked_all += checked;
        s->stats.outsiders += checked - (ports[i] || errno ? 1 : 0);
        if (!ports[i]) {
            int saved = errno;
            while (i--)
                leases_untake(ls, ports[i]);
            s->stats.checked_last = checked_all;
            errno = saved;
            return false;
        }
    }
    for (unsigned i = 0; i < count; i++)
        leases_grant(ls, ports[i], o, uid);
    s->stats.checked_last = checked_all;
    return true;
}

/* End port's lease in the table: undone (back to the head of the free
 * queue) or released (probed, then to the tail). */
static void end_lease(struct server *s, unsigned port, bool undo)
{
    struct owner *o = leases_owner_of(&s->leases, port);
    if (o->nleases == 1 && o->pidfd < 0)
        s->stats.polled_owners--;
    int pidfd = undo ? leases_ungrant(&s->leases, port)
                     : leases_release(&s->leases, port);
    if (pidfd >= 0) {
        loop_del(&s->loop, pidfd);
        close(pidfd);
    }
}

/* Name the grants and write them to the journal; on failure undo them
 * (the journal is back as it was: nothing to record). */
static bool journal_all(struct server *s, unsigned count,
                        const char *const *names, const unsigned *ports)
{
    for (unsigned i = 0; names && i < count; i++)
        if (leases_name(&s->leases, ports[i], names[i]) < 0)
            slog(LOG_WARN, "port %u: name %s not kept: out of memory",
                 ports[i], names[i]);
    loop_timer_within(&s->loop, s->t_sync, SYNC_MS);
    if (journal_grant(&s->journal, &s->leases, ports, count, s->why,
                      sizeof(s->why)) == 0)
        return true;
    for (unsigned i = 0; i < count; i++)
        end_lease(s, ports[i], true);
    return false;
}

unsigned server_grant_n(struct server *s, const struct client *c, long long pid,
                        unsigned count, const char *const *names,
                        unsigned *ports, enum proto_err *code)
{
    struct leases *ls = &s->leases;
    uint64_t start;
    struct owner *o = NULL;
    /* A pool too empty refuses in O(1), before any /proc lookup. */
    if (ls->free.len < count) {
        s->stats.checked_last = 0;
        if (count == 1)
            return deny(s, code, ERR_EXHAUSTED, "no free port left in the pool");
        return deny(s, code, ERR_EXHAUSTED, "%u ports asked, %zu free in the pool",
                    count, ls->free.len);
    }
    pid_t owner = resolve(s, c, pid);
    if (!owner) {
        *code = ERR_NO_SUCH_PID;
        return 0;
    }
    uint32_t held = leases_of_uid(ls, c->uid);
    unsigned quota = uid_limit(s->quota, c->uid);
    if (quota && held + count > quota)
        return deny(s, code, ERR_QUOTA, "uid %u holds %u leases already "
                    "(--max-leases-per-uid %u)", (unsigned)c->uid, held, quota);
    if (proc_start_time(owner, &start) < 0 || !(o = owner_get(s, owner, start)))
        return deny(s, code, ERR_NO_SUCH_PID, "no process %d", (int)owner);
    bool took = take_all(s, o, c->uid, count, ports);
    int saved = errno;
    /* Ports found bound went to rest: start retrying them. */
    if (ls->resting.len)
        loop_timer_within(&s->loop, s->t_retry, RETRY_MS);
    if (!took) {
        if (!o->nleases)
            owner_gone(s, o);
        return deny(s, code, ERR_EXHAUSTED, "%s", saved ? strerror(saved)
                    : ls->free.len ? "every port probed is bound by another process"
                    : "no free port left in the pool");
    }
    if (!journal_all(s, count, names, ports)) {
        *code = ERR_EXHAUSTED;
        return 0;
    }
    s->stats.allocations += count;
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
    return count;
}

/* End port's lease and record it. */
static void end_recorded(struct server *s, unsigned port, bool undo)
{
    end_lease(s, port, undo);
    if (journal_end(&s->journal, port) < 0)
        slog(LOG_ERROR, "%s: %s", s->opts->state, strerror(errno));
    loop_timer_within(&s->loop, s->t_sync, SYNC_MS);
}

void server_ungrant(struct server *s, unsigned port)
{
    end_recorded(s, port, true);
}

void server_release(struct server *s, unsigned port)
{
    end_recorded(s, port, false);
    loop_timer_within(&s->loop, s->t_settle, 0);
}

int server_restore(void *arg, unsigned port, pid_t pid, uint64_t start,
                   uid_t uid, const char *name)
{
    struct server *s = arg;
    uint64_t now;
    struct owner *o;
    if (!leases_is_free(&s->leases, port)) {
        slog(LOG_INFO, "saved lease of port %u dropped: not in the pool", port);
        return 0;
    }
    if (proc_start_time(pid, &now) < 0 || now != start ||
        !(o = owner_get(s, pid, start))) {
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

void server_stats(struct server *s, const char *when)
{
    const struct stats *st = &s->stats;
    const struct leases *ls = &s->leases;
    slog(LOG_NOTICE, "counters (%s):", when);
    /* portserver.py's names and format first, one counter a line. */
    slog(LOG_NOTICE, "client-request-errors %llu", (unsigned long long)st->request_errors);
    slog(LOG_NOTICE, "denied-allocations %llu", (unsigned long long)st->denied);
    slog(LOG_NOTICE, "num-ports-managed %zu", ls->npool);
    slog(LOG_NOTICE, "num-ports-checked-for-last-request %llu",
         (unsigned long long)st->checked_last);
    slog(LOG_NOTICE, "total-allocations %llu", (unsigned long long)st->allocations);
    slog(LOG_NOTICE, "leases-held %zu", ls->nleases);
    slog(LOG_NOTICE, "owners %zu", ls->nowners);
    slog(LOG_NOTICE, "leases-reclaimed %llu", (unsigned long long)st->reclaimed);
    slog(LOG_NOTICE, "outsiders-skipped %llu", (unsigned long long)st->outsiders);
    slog(LOG_NOTICE, "ports-free %zu", ls->free.len);
    slog(LOG_NOTICE, "ports-resting %zu", ls->resting.len + ls->dying.len);
}
