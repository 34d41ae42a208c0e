/* SPDX-License-Identifier: Apache-2.0 */
/* owners.c: the processes that own leases: checked once, watched until
 * they exit, their leases ended then.
 *
 * An owner is watched by a pidfd in the event loop (Linux >= 5.3), so its
 * leases end within milliseconds of its death, and a grant to an owner
 * whose pidfd is quiet reads no /proc; a new one is checked by what its
 * pidfd says where it can (identify.c). With --no-pidfd, or where
 * pidfd_open fails (ENOSYS before 5.3), the owner is polled every POLL_MS
 * through an open /proc/PID, which stops answering once that process is
 * gone, whoever has the pid now. Owners may hold at most fd_max fds (run.c's
 * fair_shares: half of those the server may use), so that the rest is
 * always there for accepting and answering; an owner beyond that is polled
 * by pid and start time alone (exact to a clock tick), POLL_TURN owners a
 * turn of the loop.
 *
 * Who may own a lease: a process of the caller's uid (root: any), never a
 * kernel thread (docs/security.md, 1). */
#include "serve/leases.h"
#include "serve/log.h"
#include "serve/loop.h"
#include "serve/owner_slots.h"
#include "serve/owners.h"
#include "serve/proc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define POLL_MS 1000         /* owners without a pidfd are checked this often */
#define POLL_TURN 64         /* polled owners checked in one turn of the loop
                              * (under a millisecond); the next turn comes */
#define POLL_TURN_MS 5       /* this much later, so clients get served */

/* Close an owner's fd (none: -1), which leaves the owners' fd budget. */
static void unwatch(struct owners *w, int fd)
{
    if (fd < 0)
        return;
    /* Ours alone (never dup'd, no fork): its close leaves epoll. */
    loop_forget(w->loop, fd);
    close(fd);
    w->fds--;
}

/* The owner is gone (or has no lease left): end its leases. */
static void owner_gone(struct owners *w, struct owner *o)
{
    pid_t pid = o->pid;
    unwatch(w, o->pidfd);
    if (o->polled)
        w->npolled--;
    size_t n = leases_owner_died(w->leases, o);
    if (!n)
        return;
    *w->reclaimed += n;
    slog(LOG_INFO, "pid %d exited: %zu leases ended", (int)pid, n);
}

/* A pidfd is readable once its process has exited. */
static void owner_exited(struct loop *l, int fd, void *data, int mask)
{
    (void)fd;
    (void)mask;
    owner_gone(l->ctx, data);
}

/* Is o still the process it was? A pidfd that has not signalled proves it
 * without /proc; an open /proc/PID answers only while its process lives;
 * a start time alone is exact to a clock tick. Only an answer is a death:
 * a failed poll or read (EINTR, ENOMEM, EMFILE) is "alive, ask again". */
static bool owner_alive(const struct owner *o)
{
    uint64_t start;
    bool kthread;
    if (o->pidfd >= 0 && !o->proc_dir)
        return pidfd_exited(o->pidfd) != 1;
    if (proc_stat(o->pid, o->pidfd, &start, &kthread) < 0)
        return errno != ESRCH && errno != ENOENT;
    /* Start time 0: unknown (a record saved without /proc, kept unchecked
     * at restore): the process of that pid, never a kernel thread. */
    return o->start ? start == o->start : !kthread;
}

/* Check the next POLL_TURN polled owners, from where the last turn
 * stopped (w->poll_at); a round done, rest POLL_MS. */
static int64_t poll_owners(struct loop *l, void *data)
{
    struct owners *w = data;
    struct owner *o = w->poll_at;
    unsigned checked = 0;
    (void)l;
    while ((o = leases_next_owner(w->leases, o))) {
        if (!o->polled)
            continue;
        if (!owner_alive(o))
            owner_gone(w, o);
        if (++checked == POLL_TURN) {
            w->poll_at = o;
            return POLL_TURN_MS;
        }
    }
    w->poll_at = NULL;
    return w->npolled ? POLL_MS : LOOP_DONE;
}

/* May an owner keep fd? Not beyond the owners' fd budget, nor that high. */
static bool room_for(const struct owners *w, int fd)
{
    return w->fds < w->fd_max && fd < w->fd_top;
}

/* A watch on a new owner: its pidfd in the loop if the owners' fd budget
 * has room, else polling: through fd when it is an open /proc/PID or a
 * pidfd the loop could not take, by pid and start time when none is
 * kept. */
static void watch(struct owners *w, struct owner *o, int fd, bool is_pidfd)
{
    if (fd >= 0 && !room_for(w, fd)) {
        close(fd);
        fd = -1;
    }
    bool in_loop = is_pidfd && fd >= 0 &&
                   loop_add(w->loop, fd, owner_exited, NULL, o) == 0;
    if (is_pidfd && fd >= 0 && !in_loop)
        slog(LOG_WARN, "epoll_ctl: %s: pid %d is polled", strerror(errno),
             (int)o->pid);
    o->pidfd = fd;
    o->proc_dir = !is_pidfd && fd >= 0;
    if (fd >= 0)
        w->fds++;
    o->polled = !in_loop;
    if (o->polled && w->npolled++ == 0)
        loop_timer_within(w->loop, w->t_poll, POLL_MS);
}

/* May c name o's process as an owner? Root may name any; anyone else only
 * a process running as its uid (real or effective), as kill(2) would.
 * 1 yes, 0 no, -1 with errno when its uids could not be read: a failure
 * (EMFILE, ENOMEM) says nothing of whose it is. */
static int may_own(struct owners *w, const struct caller *c, struct owner *o)
{
    if (c->uid == 0 || o->ruid == c->uid || o->euid == c->uid)
        return 1;
    if (o->ruid != OWNER_UID_UNKNOWN)
        return 0;
    if (identify_uids(&w->check, o) < 0)
        /* ENOENT, ESRCH: gone, or no /proc and no PIDFD_GET_INFO to say;
         * either way not shown to be c's. */
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    return o->ruid == c->uid || o->euid == c->uid;
}

/* A new owner record for pid, checked: alive, no kernel thread; else NULL
 * with a refusal in why. */
static struct owner *owner_new(struct owners *w, const struct caller *c,
                               pid_t pid, struct refusal *why)
{
    bool is_pidfd;
    uint64_t again;
    struct identity f;
    int fd = identify_handle(&w->check, pid, &is_pidfd);
    if (fd < 0 && errno == ESRCH) {
        deny(why, ERR_NO_SUCH_PID, "no process %d", (int)pid);
        return NULL;
    }
    /* A start time names the process where no pidfd will: in the state
     * file, and when it is polled (no pidfd, or none kept: watch()). */
    bool need_start = w->need_start || !is_pidfd || fd < 0 || !room_for(w, fd);
    bool ok = identify(&w->check, c, pid, fd, is_pidfd, need_start, &f) == 0;
    /* A read that failed (EMFILE, ENOMEM) says nothing of the process; nor
     * does /proc's "no such process" of one whose pidfd says it lives (a
     * /proc of another pid namespace, a failed open): at restore that
     * would end a live owner's lease. */
    int failed = ok || errno == ESRCH || errno == ENOENT ? 0 : errno;
    if (!ok && !failed && is_pidfd && fd >= 0 && pidfd_exited(fd) == 0)
        failed = errno == ESRCH ? ESRCH : ENOENT;
    /* The reads were of the process fd names if it is still there; with
     * no fd, a start time unchanged is the best there is. */
    if (ok && is_pidfd && fd >= 0) {
        int exited = pidfd_exited(fd);
        failed = exited < 0 ? errno : 0;
        ok = exited == 0;
    } else if (ok) {
        ok = !w->check.no_proc &&
             proc_stat(pid, is_pidfd ? -1 : fd, &again, NULL) == 0 &&
             again == f.start;
    }
    struct owner *o = ok && !f.kthread
                      ? leases_owner_new(w->leases, pid, f.start) : NULL;
    if (!o) {
        if (failed)
            deny(why, ERR_SERVER, "cannot check pid %d: %s", (int)pid,
                 strerror(failed));
        else if (!ok)
            deny(why, ERR_NO_SUCH_PID, "no process %d", (int)pid);
        else if (f.kthread)
            deny(why, ERR_PID_REFUSED,
                 "pid %d is a kernel thread: it never exits", (int)pid);
        else
            deny(why, ERR_SERVER, "no room for another owner");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    o->ruid = f.ruid;
    o->euid = f.euid;
    watch(w, o, fd, is_pidfd);
    return o;
}

struct owner *owners_get(struct owners *w, const struct caller *c, pid_t pid,
                         struct refusal *why)
{
    struct owner *o = leases_owner(w->leases, pid);
    if (o && !owner_alive(o)) {
        owner_gone(w, o); /* dead, or its pid reused */
        o = NULL;
    }
    if (!o && !(o = owner_new(w, c, pid, why)))
        return NULL;
    int mine = may_own(w, c, o);
    if (mine > 0)
        return o;
    int failed = errno;
    /* Uids still unknown: neither /proc nor the pidfd could say them. */
    bool unknown = o->ruid == OWNER_UID_UNKNOWN;
    owners_drop_idle(w, o);
    if (mine < 0)
        deny(why, ERR_SERVER, "cannot check pid %d: %s", (int)pid,
             strerror(failed));
    else if (unknown && w->check.no_proc)
        deny(why, ERR_PID_REFUSED, "without /proc only the caller's own "
             "pid can be checked (pid %d)", (int)pid);
    else
        deny(why, ERR_PID_REFUSED, "pid %d belongs to another user: only "
             "root may lease to it", (int)pid);
    return NULL;
}

struct owner *owners_restore_unchecked(struct owners *w, pid_t pid,
                                       uint64_t start)
{
    struct owner *o = leases_owner_new(w->leases, pid, start);
    if (!o)
        return NULL;
    /* Its pidfd where one opens: exact for the process there now, even
     * where /proc cannot say (the check that failed may fail again, as a
     * /proc of another pid namespace does); else polled by pid and start
     * time (owner_alive). */
    bool is_pidfd;
    int fd = identify_handle(&w->check, pid, &is_pidfd);
    if (fd >= 0 && !is_pidfd) {
        close(fd);
        fd = -1;
    }
    watch(w, o, fd, fd >= 0);
    return o;
}

void owners_drop_idle(struct owners *w, struct owner *o)
{
    if (!o->nleases)
        owner_gone(w, o);
}

void owners_end_lease(struct owners *w, unsigned port, bool undo)
{
    struct owner *o = leases_owner_of(w->leases, port);
    if (o->nleases == 1 && o->polled)
        w->npolled--;
    unwatch(w, undo ? leases_ungrant(w->leases, port)
                    : leases_release(w->leases, port));
}

void owners_init(struct owners *w)
{
    w->t_poll = loop_timer(w->loop, poll_owners, w);
}

void owners_fini(struct owners *w)
{
    for (struct owner *o = leases_next_owner(w->leases, NULL); o;
         o = leases_next_owner(w->leases, o))
        if (o->pidfd >= 0)
            close(o->pidfd);
}
