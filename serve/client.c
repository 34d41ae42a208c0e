/* SPDX-License-Identifier: Apache-2.0 */
/* client.c: one connection, from accept (accept.c) to reply.
 *
 * Clients are kept in accept order, which is also deadline order (each has
 * CLIENT_TIMEOUT_MS), so one timer on the oldest serves them all. Nothing
 * here blocks: a client that sends nothing, or a byte a second, costs a
 * list entry and an fd until its time is up.
 *
 * A grant is mostly syscalls, so a connection makes as few as it can:
 * its request is read at once after accept, and only one that has not come
 * whole is watched in the loop; the close alone takes an fd out of epoll
 * (loop_forget); closed clients are kept for the next (SPARE_CLIENTS) and
 * a reply is written on the stack, so no malloc runs per connection. */
#include "serve/server.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Closed clients kept for the next ones, at most this many (the accept
 * batch): a struct client is 6 KB, which musl's allocator gives back to
 * the kernel on free (madvise, munmap) and maps again on the next malloc,
 * two or three syscalls a connection (measured: 2.5). */
#define SPARE_CLIENTS 64

/* A client's memory: a spare one, else a new one; NULL when out of memory. */
static struct client *client_alloc(struct server *s)
{
    struct client *c = s->spare;
    if (!c)
        return malloc(sizeof(*c));
    s->spare = c->next;
    s->nspare--;
    return c;
}

/* Keep c for the next client, or free it when enough are kept. */
static void client_free(struct server *s, struct client *c)
{
    if (s->nspare == SPARE_CLIENTS) {
        free(c);
        return;
    }
    c->next = s->spare;
    s->spare = c;
    s->nspare++;
}

void client_close(struct server *s, struct client *c)
{
    conns_down(s, c->uid);
    /* Accepted fds are ours alone (no fork, no dup): close takes the fd
     * out of epoll without an EPOLL_CTL_DEL. */
    loop_forget(&s->loop, c->fd);
    close(c->fd);
    *(c->prev ? &c->prev->next : &s->first) = c->next;
    *(c->next ? &c->next->prev : &s->last) = c->prev;
    s->nclients--;
    client_free(s, c);
    if (s->paused == LISTEN_FULL)
        listen_resume(s);
}

void client_close_all(struct server *s)
{
    while (s->first)
        client_close(s, s->first);
    while (s->spare) {
        struct client *c = s->spare;
        s->spare = c->next;
        free(c);
    }
    s->nspare = 0;
}

/* Read and drop what the client has sent beyond what we read: closing a
 * unix socket with unread data resets the peer (ECONNRESET), and a client
 * that sent a long request (a v1 verb, say) must see a clean refusal. */
static void drain(int fd)
{
    char junk[512];
    for (int i = 0; i < 8 && read(fd, junk, sizeof(junk)) > 0; i++)
        continue;
}

void client_say_err(int fd, enum proto_err code, const char *why)
{
    char line[256];
    int n = proto_format_err(line, sizeof(line), code, why);
    drain(fd);
    /* Best effort: the connection closes next, said or not. */
    if (n > 0 && send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        slog(LOG_DEBUG, "err %s not sent: %s", proto_err_name(code),
             strerror(errno));
}

/* Send what is left of the reply, refilling buf with lease lines while a
 * leases reply has more; close once it is out, or the client is gone. One
 * refill per call: the loop comes back while the socket takes more, and
 * in between serves everyone else. */
static void client_write(struct loop *l, int fd, void *data, int mask)
{
    struct client *c = data;
    (void)mask;
    for (int refills = 0;;) {
        if (c->out_off == c->out_len) {
            if (refills++)
                return;
            c->out_off = 0;
            c->out_len = answer_leases_more(l->ctx, c);
            if (!c->out_len)
                break;
        }
        ssize_t n = send(fd, c->buf + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        slog(LOG_INFO, "pid %d left before its reply was out", (int)c->peer_pid);
        break;
    }
    client_close(l->ctx, c);
}

/* Write the reply from c's own buffer, as the socket drains: the unsent
 * rest of text (which fits: only a pick's reply can be longer than a
 * request line, and a pick is sent whole or undone), then the lines of a
 * leases reply. */
static bool start_writing(struct server *s, struct client *c,
                          const struct reply *reply, size_t sent)
{
    if (reply->len - sent > sizeof(c->buf) ||
        loop_add(&s->loop, c->fd, NULL, client_write, c) < 0)
        return false;
    c->writing = true;
    c->out_off = 0;
    c->out_len = reply->len - sent;
    memcpy(c->buf, reply->text + sent, c->out_len);
    c->cursor = 0;
    c->lines_left = reply->leases ? reply->count : 0;
    return true;
}

/* Send the reply at once or, when the socket buffer is full (or a leases
 * reply has lines to come), by client_write; a legacy refusal is a close.
 * A refused request is drained first, so the client sees the refusal, not
 * a reset. A pick whose reply cannot be sent whole at once is undone: the
 * client never learns its ports. */
static void send_reply(struct server *s, struct client *c, struct reply *reply)
{
    if (reply->refused)
        drain(c->fd);
    if (reply->refused && reply->legacy) {
        client_close(s, c);
        return;
    }
    bool more = reply->leases && reply->count && !reply->refused;
    ssize_t sent = reply->failed ? -1
                   : send(c->fd, reply->text, reply->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == (ssize_t)reply->len && !more) {
        client_close(s, c);
        return;
    }
    if (sent >= 0 && !reply->nports && start_writing(s, c, reply, (size_t)sent))
        return;
    slog(LOG_WARN, "reply to pid %d failed: %s%s", (int)c->peer_pid,
         reply->failed ? "out of memory" : sent < 0 ? strerror(errno) : "short write",
         reply->nports ? "; leases undone" : "");
    for (unsigned i = 0; i < reply->nports; i++)
        server_ungrant(s, reply->ports[i]);
    client_close(s, c);
}

/* Act on what c sent so far; done: no more is coming (EOF, timeout).
 * Frame, parse, answer, send: each step once, in this order. Returns false
 * when the request is not whole yet (c is still open), true when c was
 * answered or waits for the pid map (c->waiting: client_retry answers it,
 * or client_expire at its deadline). */
static bool decide(struct server *s, struct client *c, bool done)
{
    struct request request;
    char room[REPLY_ROOM];
    struct reply reply = {.text = room, .cap = sizeof(room),
                          .legacy = !proto_is_v1(c->buf, c->len)};
    size_t line_len;
    const char *why;
    char parse_why[sizeof(reply.why)];
    char line[sizeof(c->buf)];
    enum proto_frame framed = proto_frame(c->buf, c->len, done, &line_len, &why);
    if (framed == FRAME_MORE)
        return false;
    if (framed == FRAME_BAD) {
        reply_refuse(&reply, ERR_BAD_REQUEST, "%s", why);
    } else {
        /* Parsed (cut into words) in a copy: a request that waits for the
         * pid map is parsed again from c->buf. */
        memcpy(line, c->buf, line_len);
        line[line_len] = '\0';
        enum proto_status parsed = proto_parse(line, line_len, &request,
                                               parse_why, sizeof(parse_why));
        if (parsed != PROTO_OK)
            reply_refuse(&reply, parsed == PROTO_UNSUPPORTED ? ERR_UNSUPPORTED
                         : ERR_BAD_REQUEST, "%s", parse_why);
    }
    answer(s, c, &request, &reply);
    if (reply.wait) {
        c->waiting = true;
        loop_del(&s->loop, c->fd);
        return true;
    }
    send_reply(s, c, &reply);
    if (reply.heap)
        free(reply.text);
    return true;
}

/* A client gone wrong before its request was whole. */
static void drop(struct server *s, struct client *c, const char *why)
{
    struct reply reply = {.legacy = true};
    reply_refuse(&reply, ERR_BAD_REQUEST, "%s", why);
    answer(s, c, NULL, &reply);
    send_reply(s, c, &reply);
}

/* Read what c has sent and act on it. Returns true when c waits for more
 * (c is still open), false when it was answered or dropped. */
static bool client_input(struct server *s, struct client *c)
{
    ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n < 0) {
        drop(s, c, strerror(errno));
        return false;
    }
    c->len += (size_t)n;
    return !decide(s, c, n == 0);
}

static void client_read(struct loop *l, int fd, void *data, int mask)
{
    (void)fd;
    (void)mask;
    client_input(l->ctx, data);
}

int64_t client_expire(struct loop *l, void *data)
{
    struct server *s = data;
    int64_t now = monotonic_ms();
    (void)l;
    while (s->first && s->first->deadline <= now) {
        struct client *c = s->first;
        if (c->writing) {
            client_close(s, c);
        } else if (c->len) {
            c->asked = 0; /* no more waiting for the pid map */
            c->waiting = false;
            decide(s, c, true);
        } else {
            drop(s, c, "sent nothing in time");
        }
    }
    return s->first ? s->first->deadline - now : LOOP_DONE;
}

void client_retry(struct server *s)
{
    for (struct client *c = s->first, *next; c; c = next) {
        next = c->next;
        if (c->waiting) {
            c->waiting = false;
            decide(s, c, true);
        }
    }
}

bool client_new(struct server *s, int fd, const struct ucred *cred)
{
    struct client *c = client_alloc(s);
    if (!c || !conns_up(s, cred->uid)) {
        slog(LOG_ERROR, "new client: %s", strerror(errno));
        if (c)
            client_free(s, c);
        close(fd);
        return false;
    }
    /* All but the buffer, which len says is empty. */
    memset(c, 0, offsetof(struct client, buf));
    c->fd = fd;
    c->peer_pid = cred->pid;
    c->uid = cred->uid;
    c->asked = monotonic_ms();
    c->deadline = c->asked + CLIENT_TIMEOUT_MS;
    c->prev = s->last;
    *(s->last ? &s->last->next : &s->first) = c;
    s->last = c;
    s->nclients++;
    loop_timer_within(&s->loop, s->t_clients, CLIENT_TIMEOUT_MS);
    slog(LOG_DEBUG, "connection from pid %d (uid %u)", (int)c->peer_pid,
         (unsigned)c->uid);
    /* Most requests are in by now: answer without the loop. */
    if (!client_input(s, c))
        return true;
    if (loop_add(&s->loop, fd, client_read, NULL, c) == 0)
        return true;
    slog(LOG_ERROR, "new client: %s", strerror(errno));
    client_close(s, c);
    return false;
}
