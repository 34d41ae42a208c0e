/* SPDX-License-Identifier: Apache-2.0 */
/* accept.c: the listener and the per-uid connection counts: accepting in
 * bounded batches, pausing when fds run short or accept fails, and making
 * room for a uid at its cap by closing its own oldest idle connection.
 * What a connection then does is client.c's; it tells us of each close
 * through listener_closed, and of nothing else. */
#include "lib/sys.h"
#include "serve/accept.h"
#include "serve/client.h"
#include "serve/log.h"
#include "serve/loop.h"
#include "serve/proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Milliseconds the listener rests after accept failed for lack of fds. */
#define ACCEPT_BACKOFF_MS 250

/* Under sustained overload the listener pauses and resumes with each
 * client: say so once every PAUSE_LOG_MS, not every time. */
#define PAUSE_LOG_MS 10000

enum pause_reason { LISTEN_ON, LISTEN_FULL, LISTEN_BACKOFF, LISTEN_STOPPED };

struct conns {
    uid_t uid;
    uint32_t count;
};

struct listener {
    struct loop *loop;
    struct clients *clients;
    int fd;
    int fd_top;                 /* pause when an accepted fd is this high */
    struct uid_limits cap;      /* connections per uid */
    uint64_t *refused;          /* connections closed by the cap (stats) */
    struct conns *conns;        /* open connections per uid, nconns uids */
    size_t nconns;
    bool unmapped_known;        /* a peer of uid unmapped may be any user */
    uid_t unmapped;             /* outside it (docs/security.md, 15) */
    enum pause_reason paused;
    int64_t pause_logged;       /* when a pause was last logged */
    int t_resume;
};

static void on_accept(struct loop *l, int fd, void *data, int mask);

static void pause_accepting(struct listener *li, enum pause_reason why)
{
    int64_t now = monotonic_ms();
    if (!li->pause_logged || now - li->pause_logged >= PAUSE_LOG_MS) {
        li->pause_logged = now;
        slog(LOG_WARN, "%zu clients: not accepting for now%s",
             clients_count(li->clients),
             why == LISTEN_FULL ? " (file descriptors nearly all in use)" : "");
    }
    loop_del(li->loop, li->fd);
    li->paused = why;
    loop_timer_within(li->loop, li->t_resume, ACCEPT_BACKOFF_MS);
}

/* Accept again after a pause, unless accepting or stopped. */
static void resume_accepting(struct listener *li)
{
    if (li->paused == LISTEN_ON || li->paused == LISTEN_STOPPED)
        return;
    if (loop_add(li->loop, li->fd, on_accept, NULL, li) < 0) {
        slog(LOG_ERROR, "epoll_ctl: %s", strerror(errno));
        pause_accepting(li, LISTEN_BACKOFF);
        return;
    }
    li->paused = LISTEN_ON;
    slog(LOG_DEBUG, "accepting again");
}

/* The pause is over (a timer_fn). */
static int64_t end_pause(struct loop *l, void *data)
{
    struct listener *li = data;
    (void)l;
    /* With clients open, wait for one to close: each does, by its deadline. */
    if (li->paused != LISTEN_FULL || !clients_count(li->clients))
        resume_accepting(li);
    return LOOP_DONE;
}

/* uid's entry in li->conns, or NULL. */
static struct conns *conns_of(struct listener *li, uid_t uid)
{
    for (size_t i = 0; i < li->nconns; i++)
        if (li->conns[i].uid == uid)
            return &li->conns[i];
    return NULL;
}

/* One connection more of uid; false when out of memory. */
static bool conns_up(struct listener *li, uid_t uid)
{
    struct conns *u = conns_of(li, uid);
    if (!u) {
        u = realloc(li->conns, (li->nconns + 1) * sizeof(*u));
        if (!u)
            return false;
        li->conns = u;
        u = &li->conns[li->nconns++];
        *u = (struct conns){uid, 0};
    }
    u->count++;
    return true;
}

void listener_closed(void *arg, uid_t uid)
{
    struct listener *li = arg;
    struct conns *u = conns_of(li, uid);
    if (u && !--u->count)
        *u = li->conns[--li->nconns];
    if (li->paused == LISTEN_FULL)
        resume_accepting(li);
}

/* Is there room for one more connection of uid under its cap? When uid is
 * at its cap, its own oldest connection still waiting for a request is
 * closed for it (never another uid's); false when all of uid's
 * connections are being answered. */
static bool room_for(struct listener *li, uid_t uid)
{
    char why[160];
    unsigned cap = uid_limit(li->cap, uid);
    const struct conns *u = conns_of(li, uid);
    if (!cap || !u || u->count < cap)
        return true;
    ++*li->refused;
    snprintf(why, sizeof(why), "uid %u holds %u connections "
             "(--max-connections-per-uid): this one, waiting for its "
             "request, was closed for a newer one", (unsigned)uid, cap);
    if (!clients_close_idle(li->clients, uid, why))
        return false;
    slog(LOG_DEBUG, "uid %u at its %u connections: closed its oldest idle one",
         (unsigned)uid, cap);
    return true;
}

/* The peer's credentials into *cred, and room for one more connection of
 * its uid; false (fd closed) when they cannot be had, or when the uid is at
 * its cap with every one of its connections being answered. A peer of
 * unknown uid is never served: its uid would read as unknown. */
static bool admit(struct listener *li, int fd, struct ucred *cred)
{
    socklen_t len = sizeof(*cred);
    char why[160];
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0) {
        snprintf(why, sizeof(why), "SO_PEERCRED: %s: the caller's uid is "
                 "unknown", strerror(errno));
        slog(LOG_WARN, "%s: connection closed", why);
        client_say_err(fd, ERR_SERVER, why);
    } else if (li->unmapped_known && cred->uid == li->unmapped) {
        /* Every user the server's user namespace does not map reads as
         * this uid: one could release or lease as another. */
        snprintf(why, sizeof(why), "uid %u is the overflow uid of the "
                 "server's user namespace, which every user it does not "
                 "map reads as: the caller cannot be told apart",
                 (unsigned)cred->uid);
        slog(LOG_INFO, "pid %d refused: %s", (int)cred->pid, why);
        client_say_err(fd, ERR_PID_REFUSED, why);
    } else if (room_for(li, cred->uid)) {
        return true;
    }
    close(fd);
    return false;
}

static void on_accept(struct loop *l, int fd, void *data, int mask)
{
    struct listener *li = data;
    (void)l;
    (void)mask;
    /* A bounded batch, so a flood of connections cannot starve the rest. */
    for (int i = 0; i < 64; i++) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (cfd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (cfd < 0) {
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays
             * queued and epoll would report it at once: rest instead. */
            slog(LOG_WARN, "accept: %s", strerror(errno));
            pause_accepting(li, LISTEN_BACKOFF);
            return;
        }
        struct ucred cred;
        if (!admit(li, cfd, &cred))
            continue;
        if (!conns_up(li, cred.uid)) {
            slog(LOG_ERROR, "new client: %s", strerror(errno));
            close(cfd);
            pause_accepting(li, LISTEN_BACKOFF);
            return;
        }
        if (!client_new(li->clients, cfd, &cred)) {
            pause_accepting(li, LISTEN_BACKOFF);
            return;
        }
        /* Clients answered at once have closed their fds again. */
        if (clients_count(li->clients) && cfd >= li->fd_top) {
            pause_accepting(li, LISTEN_FULL);
            return;
        }
    }
}

struct listener *listener_new(struct loop *l, int fd_top, struct uid_limits cap,
                              uint64_t *refused)
{
    struct listener *li = calloc(1, sizeof(*li));
    if (!li)
        return NULL;
    *li = (struct listener){.loop = l, .fd = -1, .fd_top = fd_top, .cap = cap,
                            .refused = refused};
    li->unmapped_known = proc_unmapped_uid(&li->unmapped) == 1;
    if (li->unmapped_known)
        slog(LOG_NOTICE, "callers of uid %u are refused: every user this "
             "user namespace does not map reads as it, and /proc/self/uid_map "
             "does not show the initial one, which maps all",
             (unsigned)li->unmapped);
    li->t_resume = loop_timer(l, end_pause, li);
    return li;
}

int listener_start(struct listener *li, int fd, struct clients *clients)
{
    li->fd = fd;
    li->clients = clients;
    return loop_add(li->loop, fd, on_accept, NULL, li);
}

void listener_stop(struct listener *li)
{
    if (li->fd >= 0) {
        loop_del(li->loop, li->fd);
        close(li->fd);
    }
    li->fd = -1;
    li->paused = LISTEN_STOPPED;
}

void listener_free(struct listener *li)
{
    if (li)
        free(li->conns);
    free(li);
}
