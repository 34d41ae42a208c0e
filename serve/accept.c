/* SPDX-License-Identifier: Apache-2.0 */
/* accept.c: the listener and the per-uid connection caps: accepting in
 * bounded batches, pausing when fds run short or accept fails, and making
 * room for a uid at its cap by closing its own oldest idle connection.
 * What a connection then does is client.c's. */
#include "serve/server.h"

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

static void listen_pause(struct server *s, enum pause_reason why)
{
    int64_t now = monotonic_ms();
    if (!s->pause_logged || now - s->pause_logged >= PAUSE_LOG_MS) {
        s->pause_logged = now;
        slog(LOG_WARN, "%zu clients: not accepting for now%s", s->nclients,
             why == LISTEN_FULL ? " (file descriptors nearly all in use)" : "");
    }
    loop_del(&s->loop, s->listen_fd);
    s->paused = why;
    loop_timer_within(&s->loop, s->t_listen, ACCEPT_BACKOFF_MS);
}

void listen_resume(struct server *s)
{
    if (s->paused == LISTEN_ON)
        return;
    if (loop_add(&s->loop, s->listen_fd, client_accept, NULL, s) < 0) {
        slog(LOG_ERROR, "epoll_ctl: %s", strerror(errno));
        listen_pause(s, LISTEN_BACKOFF);
        return;
    }
    s->paused = LISTEN_ON;
    slog(LOG_DEBUG, "accepting again");
}

int64_t listen_timer(struct loop *l, void *data)
{
    struct server *s = data;
    (void)l;
    /* With clients open, wait for one to close: each does, by its deadline. */
    if (s->paused != LISTEN_FULL || !s->nclients)
        listen_resume(s);
    return LOOP_DONE;
}

/* uid's entry in s->conns, or NULL. */
static struct uid_count *conns_of(struct server *s, uid_t uid)
{
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].uid == uid)
            return &s->conns[i];
    return NULL;
}

/* One connection more of uid; false when out of memory. */
bool conns_up(struct server *s, uid_t uid)
{
    struct uid_count *u = conns_of(s, uid);
    if (!u) {
        u = realloc(s->conns, (s->nconns + 1) * sizeof(*u));
        if (!u)
            return false;
        s->conns = u;
        u = &s->conns[s->nconns++];
        *u = (struct uid_count){uid, 0};
    }
    u->count++;
    return true;
}

/* One connection fewer of uid; a uid with none leaves the table. */
void conns_down(struct server *s, uid_t uid)
{
    struct uid_count *u = conns_of(s, uid);
    if (u && !--u->count)
        *u = s->conns[--s->nconns];
}

/* Make room for one more connection of uid under its cap: close its own
 * oldest connection still waiting for a request (never another uid's).
 * False when all of uid's connections are being answered. */
static bool make_room(struct server *s, uid_t uid)
{
    unsigned cap = uid_limit(s->conn_cap, uid);
    const struct uid_count *u = conns_of(s, uid);
    if (!cap || !u || u->count < cap)
        return true;
    for (struct client *c = s->first; c; c = c->next) {
        if (c->uid == uid && !c->writing) {
            char why[160];
            slog(LOG_DEBUG, "uid %u at its %u connections: closing its oldest "
                 "idle one", (unsigned)uid, cap);
            snprintf(why, sizeof(why), "uid %u holds %u connections "
                     "(--max-connections-per-uid): this one, waiting for its "
                     "request, was closed for a newer one", (unsigned)uid, cap);
            /* A legacy request begun is refused the legacy way: a close. */
            if (!c->len || proto_is_v1(c->buf, c->len))
                client_say_err(c->fd, ERR_BUSY, why);
            client_close(s, c);
            return true;
        }
    }
    return false;
}

/* The peer's credentials into *cred, and room for one more connection of
 * its uid; false (fd closed) when they cannot be had, or when the uid is at
 * its cap with every one of its connections being answered. A peer of
 * unknown uid is never served: its uid would read as OWNER_UID_UNKNOWN. */
static bool admit(struct server *s, int fd, struct ucred *cred)
{
    socklen_t len = sizeof(*cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0) {
        char why[96];
        snprintf(why, sizeof(why), "SO_PEERCRED: %s: the caller's uid is "
                 "unknown", strerror(errno));
        slog(LOG_WARN, "%s: connection closed", why);
        client_say_err(fd, ERR_SERVER, why);
    } else if (make_room(s, cred->uid)) {
        return true;
    }
    close(fd);
    return false;
}

void client_accept(struct loop *l, int fd, void *data, int mask)
{
    struct server *s = data;
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
            listen_pause(s, LISTEN_BACKOFF);
            return;
        }
        struct ucred cred;
        if (!admit(s, cfd, &cred))
            continue;
        if (!client_new(s, cfd, &cred)) {
            listen_pause(s, LISTEN_BACKOFF);
            return;
        }
        /* Clients answered at once have closed their fds again. */
        if (s->nclients && cfd >= s->fd_limit - FD_HEADROOM) {
            listen_pause(s, LISTEN_FULL);
            return;
        }
    }
}
