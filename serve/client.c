/* SPDX-License-Identifier: Apache-2.0 */
/* client.c: one connection, from accept (accept.c) to reply: read, frame,
 * parse, answer (answer.c), send, close.
 *
 * Clients are kept in accept order, which is also deadline order (each has
 * CLIENT_TIMEOUT_MS), so one timer on the oldest serves them all. Nothing
 * here blocks: a client that sends nothing, or a byte a second, costs a
 * list entry and an fd until its time is up.
 *
 * The set of connections, their memory and closing one are clients.c's;
 * a reply's way out, client_send.c's.
 *
 * A grant is mostly syscalls, so a connection makes as few as it can:
 * its request is looked at right after accept, and only one that has not come
 * whole is watched in the loop; the close alone takes an fd out of epoll
 * (loop_forget); closed clients are kept for the next (SPARE_CLIENTS) and
 * a reply is written on the stack, so no malloc runs per connection.
 *
 * And it wakes its client once: a unix socket wakes a writer blocked in
 * its read (python_portpicker's client, any blocking recv) whenever the
 * reader consumes its data, so a whole request is only peeked at first
 * and taken from the socket after the reply (client_close): a syscall
 * more, a wake-up (an IPI, a context switch for the client) less. */
#include "lib/sys.h"
#include "serve/answer.h"
#include "serve/conn.h"
#include "serve/log.h"
#include "serve/loop.h"
#include "serve/pidns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An empty reply, mute or not, its text and ports left as they are: a
 * reply is 12 KB, and a request uses a line of it. */
static void reply_start(struct reply *r, bool mute)
{
    r->refusal.refused = false;
    r->mute = mute;
    r->wait = r->leases = r->failed = false;
    r->count = r->len = 0;
    r->nports = 0;
}

/* Parse the request line of buf (line_len bytes, framed) into r, cut into
 * words in line, a copy: a request that waits for the pid map is parsed
 * again from buf. A bad one is refused in why. */
static void parse(const char *buf, size_t line_len, char *line,
                  struct request *r, struct refusal *why)
{
    char parse_why[sizeof(why->why)];
    memcpy(line, buf, line_len);
    line[line_len] = '\0';
    enum proto_status parsed = proto_parse(line, line_len, r, parse_why,
                                           sizeof(parse_why));
    if (parsed != PROTO_OK)
        deny(why, parsed == PROTO_UNSUPPORTED ? ERR_UNSUPPORTED
             : ERR_BAD_REQUEST, "%s", parse_why);
}

/* Act on what c sent so far; done: no more is coming (EOF, timeout).
 * Frame, parse, answer, send: each step once, in this order. Returns false
 * when the request is not whole yet (c is still open), true when c was
 * answered or waits for the pid map (c->waiting: the pid map's timer
 * answers it, or expire_clients() at its deadline). */
static bool decide(struct client *c, bool done)
{
    struct clients *cs = c->cs;
    struct request request;
    char line[sizeof(c->buf)];
    size_t line_len;
    const char *why;
    enum proto_frame framed = proto_frame(c->buf, c->len, done, &line_len, &why);
    if (framed == FRAME_MORE)
        return false;
    int64_t began = monotonic_ns();
    struct reply reply;
    reply_start(&reply, !proto_is_versioned(c->buf, c->len));
    if (framed == FRAME_BAD)
        deny(&reply.refusal, ERR_BAD_REQUEST, "%s", why);
    else
        parse(c->buf, line_len, line, &request, &reply.refusal);
    answer(cs->server, &c->who, &request, &reply);
    if (reply.wait) {
        c->waiting = true;
        loop_del(cs->loop, c->fd);
        loop_timer_within(cs->loop, cs->t_pid_map, 0);
        return true;
    }
    client_send(c, &reply);
    metrics_observe(cs->request_time, (uint64_t)(monotonic_ns() - began));
    return true;
}

/* A client gone wrong before its request was whole: refused without a
 * word. */
static void drop(struct client *c, const char *why)
{
    struct reply reply;
    reply_start(&reply, true);
    deny(&reply.refusal, ERR_BAD_REQUEST, "%s", why);
    answer(c->cs->server, &c->who, NULL, &reply);
    client_send(c, &reply);
}

/* Answer c's request if it is whole, having only peeked at it, so the
 * client's blocked read is not woken by the server taking its bytes (a
 * unix socket wakes its writer as its data is consumed); client_close
 * takes them after the reply. Returns 1 when c was answered, -1 when
 * nothing is in, 0 when the request is not whole (or the peek failed):
 * it is then read for real, as it comes. */
static int peek_whole(struct client *c)
{
    ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN)
        return -1;
    if (n <= 0)
        return 0;
    c->len = c->unread = (size_t)n;
    if (decide(c, false))
        return 1;
    c->len = c->unread = 0;
    return 0;
}

/* Read what c has sent and act on it. Returns true when c waits for more
 * (c is still open), false when it was answered or dropped. */
static bool client_input(struct client *c)
{
    int peeked = c->len ? 0 : peek_whole(c);
    if (peeked)
        return peeked < 0;
    ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n < 0) {
        drop(c, strerror(errno));
        return false;
    }
    c->len += (size_t)n;
    return !decide(c, n == 0);
}

static void client_read(struct loop *l, int fd, void *data, int mask)
{
    (void)l;
    (void)fd;
    (void)mask;
    client_input(data);
}

/* Close or answer the clients whose time is up (a timer_fn). */
static int64_t expire_clients(struct loop *l, void *data)
{
    struct clients *cs = data;
    int64_t now = monotonic_ms();
    (void)l;
    while (cs->first && cs->first->deadline <= now) {
        struct client *c = cs->first;
        if (c->writing) {
            client_close(c);
        } else if (c->len) {
            c->who.asked = 0; /* no more waiting for the pid map */
            c->waiting = false;
            decide(c, true);
        } else {
            drop(c, "sent nothing in time");
        }
    }
    return cs->first ? cs->first->deadline - now : LOOP_DONE;
}

/* Make the pid map a slice further; once it is new, answer the requests
 * that waited for it (a timer_fn, armed by decide). */
static int64_t build_pid_map(struct loop *l, void *data)
{
    struct clients *cs = data;
    (void)l;
    int64_t next = pidns_work(cs->pidns);
    if (next)
        return next;
    slog(LOG_DEBUG, "pid map: %zu processes, of every namespace",
         cs->pidns->map.len);
    for (struct client *c = cs->first, *after; c; c = after) {
        after = c->next;
        if (c->waiting) {
            c->waiting = false;
            decide(c, true);
        }
    }
    return LOOP_DONE;
}

bool client_new(struct clients *cs, int fd, const struct ucred *cred)
{
    struct client *c = client_alloc(cs, fd);
    if (!c) {
        slog(LOG_ERROR, "new client: %s", strerror(errno));
        close(fd);
        cs->closed(cs->closed_arg, cred->uid);
        return false;
    }
    c->who = (struct caller){.pid = cred->pid, .uid = cred->uid,
                             .asked = monotonic_ms()};
    c->deadline = c->who.asked + CLIENT_TIMEOUT_MS;
    loop_timer_within(cs->loop, cs->t_expire, CLIENT_TIMEOUT_MS);
    slog(LOG_DEBUG, "connection from pid %d (uid %u)", (int)c->who.pid,
         (unsigned)c->who.uid);
    /* Most requests are in by now: answer without the loop. */
    if (!client_input(c))
        return true;
    if (loop_add(cs->loop, fd, client_read, NULL, c) == 0)
        return true;
    slog(LOG_ERROR, "new client: %s", strerror(errno));
    client_close(c);
    return false;
}

struct clients *clients_new(struct loop *l, struct server *s,
                            const struct leases *ls, struct pidns *pidns,
                            struct metrics_histogram *request_time,
                            size_t *open, client_closed_fn *closed, void *arg)
{
    struct clients *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    *cs = (struct clients){.loop = l, .server = s, .leases = ls, .pidns = pidns,
                           .request_time = request_time, .n = open,
                           .closed = closed, .closed_arg = arg};
    cs->t_expire = loop_timer(l, expire_clients, cs);
    cs->t_pid_map = loop_timer(l, build_pid_map, cs);
    return cs;
}

