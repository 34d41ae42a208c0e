/* SPDX-License-Identifier: Apache-2.0 */
/* server.c: the server's work: resolving owners, granting, reclaiming,
 * and the timers that retry, poll and sync (run.c starts and stops it).
 *
 * An owner is watched by a pidfd in the event loop (Linux >= 5.3), so its
 * leases end within milliseconds of its death, and a grant to an owner
 * whose pidfd is quiet reads no /proc. With --no-pidfd, or where
 * pidfd_open fails (ENOSYS before 5.3), the owner is polled every POLL_MS
 * through an open /proc/PID, which stops answering once that process is
 * gone, whoever has the pid now. Owners may hold at most s->owner_fd_max
 * fds (run.c's fair_shares: half of those the server may use), so that
 * the rest is always there for accepting and answering; an owner beyond
 * that is polled by pid and start time alone (exact to a clock tick),
 * POLL_TURN owners a turn of the loop.
 *
 * Who may own a lease: a process of the caller's uid (root: any), never a
 * kernel thread or pid 1 (docs/security.md, 1). */
#include "serve/owner.h"
#include "serve/pidns.h"
#include "serve/server.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
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
#define POLL_TURN 64         /* polled owners checked in one turn of the loop
                              * (under a millisecond); the next turn comes */
#define POLL_TURN_MS 5       /* this much later, so clients get served */
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

/* Close an owner's fd (none: -1), which leaves the owners' fd budget. */
static void unwatch(struct server *s, int fd)
{
    if (fd < 0)
        return;
    /* Ours alone (never dup'd, no fork): its close leaves epoll. */
    loop_forget(&s->loop, fd);
    close(fd);
    s->owner_fds--;
}

/* The owner is gone (or has no lease left): end its leases. */
static void owner_gone(struct server *s, struct owner *o)
{
    pid_t pid = o->pid;
    unwatch(s, o->pidfd);
    if (o->polled)
        s->stats.polled_owners--;
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

/* Has the process of pidfd fd exited? 1 yes, 0 not yet, -1 with errno
 * when poll failed, which says nothing of the process. */
static int pidfd_exited(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : n > 0 && (p.revents & (POLLIN | POLLHUP));
}

/* Is o still the process it was? A pidfd that has not signalled proves it
 * without /proc; an open /proc/PID answers only while its process lives;
 * a start time alone is exact to a clock tick. Only an answer is a death:
 * a failed poll or read (EINTR, ENOMEM, EMFILE) is "alive, ask again". */
static bool owner_alive(const struct owner *o)
{
    uint64_t start;
    if (!o->polled)
        return pidfd_exited(o->pidfd) != 1;
    if (proc_stat(o->pid, o->pidfd, &start, NULL) < 0)
        return errno != ESRCH && errno != ENOENT;
    return start == o->start;
}

/* Check the next POLL_TURN polled owners, from where the last turn
 * stopped (s->poll_at); a round done, rest POLL_MS. */
static int64_t poll_owners(struct loop *l, void *data)
{
    struct server *s = data;
    struct owner *o = s->poll_at;
    unsigned checked = 0;
    (void)l;
    while ((o = leases_next_owner(&s->leases, o))) {
        if (!o->polled)
            continue;
        if (!owner_alive(o))
            owner_gone(s, o);
        if (++checked == POLL_TURN) {
            s->poll_at = o;
            return POLL_TURN_MS;
        }
    }
    s->poll_at = NULL;
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

/* Make the pid map a slice further; once it is new, answer the requests
 * that waited for it. */
static int64_t pidns_timer(struct loop *l, void *data)
{
    struct server *s = data;
    (void)l;
    int64_t next = pidns_work(&s->pidns);
    if (next)
        return next;
    slog(LOG_DEBUG, "pid map: %zu processes, of every namespace",
         s->pidns.map.len);
    client_retry(s);
    return LOOP_DONE;
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
    s->t_pidns = loop_timer(&s->loop, pidns_timer, s);
}

/* A watch on a new owner: its pidfd in the loop if the owners' fd budget
 * has room, else polling (through fd when it is an open /proc/PID). */
static void watch(struct server *s, struct owner *o, int fd, bool is_pidfd)
{
    if (fd >= 0 && (s->owner_fds >= s->owner_fd_max ||
                    fd >= s->fd_limit - FD_HEADROOM)) {
        close(fd);
        fd = -1;
    }
    if (is_pidfd && fd >= 0 && loop_add(&s->loop, fd, owner_exited, NULL, o) < 0) {
        slog(LOG_WARN, "epoll_ctl: %s", strerror(errno));
        close(fd);
        fd = -1;
    }
    o->pidfd = fd;
    if (fd >= 0)
        s->owner_fds++;
    o->polled = !is_pidfd || fd < 0;
    if (o->polled && s->stats.polled_owners++ == 0)
        loop_timer_within(&s->loop, s->t_poll, POLL_MS);
}

/* Refuse with code and a reason in s->why; returns 0 for a caller that
 * counts ports. */
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

/* May c name o's process as an owner? Root may name any; anyone else only
 * a process running as its uid (real or effective), as kill(2) would. */
static bool may_own(const struct client *c, struct owner *o)
{
    struct proc_ids ids;
    if (c->uid == 0 || o->ruid == c->uid || o->euid == c->uid)
        return true;
    if (o->ruid != OWNER_UID_UNKNOWN || proc_ids(o->pid, &ids) < 0)
        return false;
    o->ruid = ids.ruid;
    o->euid = ids.euid;
    return o->ruid == c->uid || o->euid == c->uid;
}

/* A handle on pid: a pidfd, or an open /proc/PID with --no-pidfd or before
 * Linux 5.3 (*is_pidfd false); -1 with errno (ESRCH: no such process). */
static int handle(struct server *s, pid_t pid, bool *is_pidfd)
{
    *is_pidfd = !s->opts->no_pidfd;
    if (*is_pidfd) {
        int fd = pidfd_open_pid(pid);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        *is_pidfd = false;
    }
    int fd = proc_open(pid);
    if (fd < 0 && errno == ENOENT)
        errno = ESRCH;
    return fd;
}

/* What /proc says of pid (read through statfd when >= 0): its start time,
 * whether it is a kernel thread, and its uids when c is not root and pid
 * is not c itself (SO_PEERCRED told us c's). Without /proc, a pidfd is all
 * there is: start time 0, and only c's own pid is known to be c's. */
static int identify(struct server *s, const struct client *c, pid_t pid,
                    int statfd, uint64_t *start, bool *kthread,
                    struct proc_ids *ids)
{
    bool mine = pid == c->peer_pid;
    *ids = (struct proc_ids){.ruid = mine ? c->uid : OWNER_UID_UNKNOWN,
                             .euid = mine ? c->uid : OWNER_UID_UNKNOWN};
    if (s->no_proc) {
        *start = 0;
        *kthread = false;
        return 0;
    }
    if (proc_stat(pid, statfd, start, kthread) < 0)
        return -1;
    return *kthread || c->uid == 0 || mine ? 0 : proc_ids(pid, ids);
}

/* A new owner record for pid, checked: alive, no kernel thread, c's to
 * name; else NULL with *code and s->why. */
static struct owner *owner_new(struct server *s, const struct client *c,
                               pid_t pid, enum proto_err *code)
{
    bool is_pidfd, kthread;
    uint64_t start, again;
    struct proc_ids ids;
    int fd = handle(s, pid, &is_pidfd);
    if (fd < 0 && errno == ESRCH) {
        deny(s, code, ERR_NO_SUCH_PID, "no process %d", (int)pid);
        return NULL;
    }
    int statfd = is_pidfd ? -1 : fd;
    bool ok = identify(s, c, pid, statfd, &start, &kthread, &ids) == 0;
    /* A read that failed (EMFILE, ENOMEM) says nothing of the process. */
    int failed = ok || errno == ESRCH || errno == ENOENT ? 0 : errno;
    /* The reads were of the process fd names if it is still there; with
     * no fd, a start time unchanged is the best there is. */
    if (ok && is_pidfd && fd >= 0) {
        int exited = pidfd_exited(fd);
        failed = exited < 0 ? errno : 0;
        ok = exited == 0;
    } else if (ok) {
        ok = !s->no_proc && proc_stat(pid, statfd, &again, NULL) == 0 &&
             again == start;
    }
    struct owner *o = ok && !kthread ? leases_owner_new(&s->leases, pid, start)
                                     : NULL;
    if (!o) {
        if (failed)
            deny(s, code, ERR_SERVER, "cannot check pid %d: %s", (int)pid,
                 strerror(failed));
        else if (!ok)
            deny(s, code, ERR_NO_SUCH_PID, "no process %d", (int)pid);
        else if (kthread)
            deny(s, code, ERR_PID_REFUSED,
                 "pid %d is a kernel thread: it never exits", (int)pid);
        else
            deny(s, code, ERR_SERVER, "no room for another owner");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    o->ruid = ids.ruid;
    o->euid = ids.euid;
    watch(s, o, fd, is_pidfd);
    return o;
}

/* The owner record for pid, fit for c to lease to: found and still alive
 * (a quiet pidfd: no /proc read), or new. NULL with *code and s->why. */
static struct owner *owner_get(struct server *s, const struct client *c,
                               pid_t pid, enum proto_err *code)
{
    struct owner *o = leases_owner(&s->leases, pid);
    if (o && !owner_alive(o)) {
        owner_gone(s, o); /* dead, or its pid reused */
        o = NULL;
    }
    if (!o && !(o = owner_new(s, c, pid, code)))
        return NULL;
    if (may_own(c, o))
        return o;
    if (!o->nleases)
        owner_gone(s, o);
    if (s->no_proc)
        deny(s, code, ERR_PID_REFUSED, "without /proc only the caller's own "
             "pid can be checked (pid %d)", (int)pid);
    else
        deny(s, code, ERR_PID_REFUSED, "pid %d belongs to another user: only "
             "root may lease to it", (int)pid);
    return NULL;
}

/* Which process, in our namespace, does pid name for this client? 0 with
 * *code and s->why when none may own a lease. */
static pid_t resolve(struct server *s, const struct client *c, long long pid,
                     enum proto_err *code)
{
    if (pid <= 0 || pid > INT_MAX) {
        snprintf(s->why, sizeof(s->why), "pid %lld is out of range", pid);
        *code = ERR_NO_SUCH_PID;
        return 0;
    }
    pid_t ours = pidns_resolve(&s->pidns, c->peer_pid, pid, c->asked, s->why,
                               sizeof(s->why));
    if (ours == PIDNS_WAIT) {
        s->pid_wait = true;
        *code = ERR_NO_SUCH_PID;
        loop_timer_within(&s->loop, s->t_pidns, 0);
        return 0;
    }
    if (ours <= 0) {
        *code = ours < 0 ? ERR_PID_REFUSED : ERR_NO_SUCH_PID;
        return 0;
    }
    if (ours == 1) {
        snprintf(s->why, sizeof(s->why), "pid 1 never exits");
        *code = ERR_PID_REFUSED;
        return 0;
    }
    if (ours != pid)
        slog(LOG_DEBUG, "pid %lld of pid %d's namespace is our pid %d", pid,
             (int)c->peer_pid, (int)ours);
    return ours;
}

/* Take the preferred ports that can be had, in order, into ports (at
 * most count); returns how many, or -1 with errno when a probe failed
 * (those taken are back at the head of the free queue). */
static int take_preferred(struct server *s, const uint16_t *prefer,
                          unsigned nprefer, unsigned count, unsigned *ports)
{
    unsigned got = 0;
    for (unsigned i = 0; i < nprefer && got < count; i++) {
        int took = leases_take_port(&s->leases, prefer[i]);
        if (took < 0) {
            int saved = errno;
            while (got--)
                leases_untake(&s->leases, ports[got]);
            errno = saved;
            return -1;
        }
        if (took)
            ports[got++] = prefer[i];
    }
    return (int)got;
}

/* Take count ports, the preferred first, and lease them to o, all or none:
 * when one cannot be had, those taken go back to the head of the free
 * queue. */
static bool take_all(struct server *s, struct owner *o, uid_t uid,
                     const uint16_t *prefer, unsigned nprefer,
                     unsigned count, unsigned *ports)
{
    struct leases *ls = &s->leases;
    unsigned checked_all = 0;
    int first = take_preferred(s, prefer, nprefer, count, ports);
    if (first < 0)
        return false;
    for (unsigned i = (unsigned)first; i < count; i++) {
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
    if (o->nleases == 1 && o->polled)
        s->stats.polled_owners--;
    unwatch(s, undo ? leases_ungrant(&s->leases, port)
                    : leases_release(&s->leases, port));
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
                        const uint16_t *prefer, unsigned nprefer,
                        unsigned *ports, enum proto_err *code)
{
    struct leases *ls = &s->leases;
    struct owner *o = NULL;
    s->pid_wait = false;
    /* A pool too empty refuses in O(1), before any /proc lookup. */
    if (ls->free.len < count) {
        s->stats.checked_last = 0;
        if (count == 1)
            return deny(s, code, ERR_EXHAUSTED, "no free port left in the pool");
        return deny(s, code, ERR_EXHAUSTED, "%u ports asked, %zu free in the pool",
                    count, ls->free.len);
    }
    pid_t owner = resolve(s, c, pid, code);
    if (!owner)
        return 0;
    uint32_t held = leases_of_uid(ls, c->uid);
    unsigned quota = uid_limit(s->quota, c->uid);
    if (quota && held + count > quota)
        return deny(s, code, ERR_QUOTA, "uid %u holds %u leases already "
                    "(--max-leases-per-uid %u)", (unsigned)c->uid, held, quota);
    if (!(o = owner_get(s, c, owner, code)))
        return 0;
    bool took = take_all(s, o, c->uid, prefer, nprefer, count, ports);
    int saved = errno;
    /* Ports found bound went to rest: start retrying them. */
    if (ls->resting.len)
        loop_timer_within(&s->loop, s->t_retry, RETRY_MS);
    if (!took) {
        if (!o->nleases)
            owner_gone(s, o);
        if (saved)
            return deny(s, code, ERR_SERVER, "probe: %s", strerror(saved));
        return deny(s, code, ERR_EXHAUSTED, "%s", ls->free.len
                    ? "every port probed is bound by another process"
                    : "no free port left in the pool");
    }
    if (!journal_all(s, count, names, ports)) {
        *code = ERR_SERVER;
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
    /* As root would ask: any process but a kernel thread. */
    const struct client restorer = {.uid = 0};
    enum proto_err code;
    struct owner *o;
    if (!leases_is_free(&s->leases, port)) {
        slog(LOG_INFO, "saved lease of port %u dropped: not in the pool", port);
        return 0;
    }
    o = owner_get(s, &restorer, pid, &code);
    /* Start time 0 was saved by a server without /proc: unknown, so the
     * lease is kept by the process of that pid. */
    if (o && start && o->start != start) {
        if (!o->nleases)
            owner_gone(s, o); /* frees o */
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
