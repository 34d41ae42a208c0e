/* client.c: one connection, from accept (accept.c) to reply: read, frame,
 * parse, answer (answer.c), send, close.
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
#include "lib/sys.h"
#include "serve/answer.h"
#include "serve/client.h"
#include "serve/listing.h"
#include "serve/log.h"
#include "serve/loop.h"
#include "serve/pidns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Closed clients kept for the next ones, at most this many (the accept
 * batch): a struct client is 6 KB, which musl's allocator gives back to
 * the kernel on free (madvise, munmap) and maps again on the next malloc,
 * two or three syscalls a connection (measured: 2.5). */
#define SPARE_CLIENTS 64

struct client {
    struct clients *cs;
    int fd;
    struct caller who;  /* its peer; who.asked 0: no more waiting */
    size_t len;
    int64_t deadline;
    bool waiting;       /* its request waits for the pid map */
    struct client *prev, *next;
    /* Once the request is answered, buf holds what is left of the reply:
     * buf[out_off..out_len); a leases reply's lines follow as the socket
     * drains (listing.c): a client that never reads costs this struct. */
    bool writing;
    size_t out_len, out_off;
    struct listing listing;
    char buf[PROTO_REQUEST_MAX + 2];   /* a line, its newline, one byte more */
};
_Static_assert(PROTO_REQUEST_MAX + 2 >= 2 * PROTO_LEASE_LINE_MAX,
               "a client's buffer holds at least two lease lines");

struct clients {
    struct loop *loop;
    struct server *server;
    const struct leases *leases;
    struct pidns *pidns;
    client_closed_fn *closed;
    void *closed_arg;
    struct client *first, *last;    /* in accept order = deadline order */
    size_t n;
    struct client *spare;           /* closed clients kept, by next */
    size_t nspare;
    int t_expire, t_pidns;
};

/* A client's memory: a spare one, else a new one; NULL when out of memory. */
static struct client *client_alloc(struct clients *cs)
{
    struct client *c = cs->spare;
    if (!c)
        return malloc(sizeof(*c));
    cs->spare = c->next;
    cs->nspare--;
    return c;
}

/* Keep c for the next client, or free it when enough are kept. */
static void client_free(struct clients *cs, struct client *c)
{
    if (cs->nspare == SPARE_CLIENTS) {
        free(c);
        return;
    }
    c->next = cs->spare;
    cs->spare = c;
    cs->nspare++;
}

/* Close c and keep its memory for the next client. */
static void client_close(struct client *c)
{
    struct clients *cs = c->cs;
    uid_t uid = c->who.uid;
    /* Accepted fds are ours alone (no fork, no dup): close takes the fd
     * out of epoll without an EPOLL_CTL_DEL. */
    loop_forget(cs->loop, c->fd);
    close(c->fd);
    *(c->prev ? &c->prev->next : &cs->first) = c->next;
    *(c->next ? &c->next->prev : &cs->last) = c->prev;
    cs->n--;
    client_free(cs, c);
    cs->closed(cs->closed_arg, uid);
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
    (void)l;
    (void)mask;
    for (int refills = 0;;) {
        if (c->out_off == c->out_len) {
            if (refills++)
                return;
            c->out_off = 0;
            c->out_len = listing_more(c->cs->leases, &c->listing, c->who.uid,
                                      c->buf, sizeof(c->buf));
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
        slog(LOG_INFO, "pid %d left before its reply was out", (int)c->who.pid);
        break;
    }
    client_close(c);
}

/* Write the reply from c's own buffer, as the socket drains: the unsent
 * rest of text (which fits: only a pick's reply can be longer than a
 * request line, and a pick is sent whole or undone), then the lines of a
 * leases reply. */
static bool start_writing(struct client *c, const struct reply *reply,
                          size_t sent)
{
    if (reply->len - sent > sizeof(c->buf) ||
        loop_add(c->cs->loop, c->fd, NULL, client_write, c) < 0)
        return false;
    c->writing = true;
    c->out_off = 0;
    c->out_len = reply->len - sent;
    memcpy(c->buf, reply->text + sent, c->out_len);
    c->listing = (struct listing){0, reply->leases ? reply->count : 0};
    return true;
}

/* Send the reply at once or, when the socket buffer is full (or a leases
 * reply has lines to come), by client_write; a mute refusal is a close.
 * A refused request is drained first, so the client sees the refusal, not
 * a reset. A pick whose reply cannot be sent whole at once is undone: the
 * client never learns its ports. */
static void send_reply(struct client *c, struct reply *reply)
{
    bool refused = reply->refusal.refused;
    if (refused)
        drain(c->fd);
    if (refused && reply->mute) {
        client_close(c);
        return;
    }
    bool more = reply->leases && reply->count && !refused;
    ssize_t sent = reply->failed ? -1
                   : send(c->fd, reply->text, reply->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == (ssize_t)reply->len && !more) {
        client_close(c);
        return;
    }
    if (sent >= 0 && !reply->nports && start_writing(c, reply, (size_t)sent))
        return;
    slog(LOG_WARN, "reply to pid %d failed: %s%s", (int)c->who.pid,
         reply->failed ? "no room for it" : sent < 0 ? strerror(errno) : "short write",
         reply->nports ? "; leases undone" : "");
    answer_undo(c->cs->server, reply);
    client_close(c);
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
 * answers it, or expire() at its deadline). */
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
    struct reply reply = {.mute = !proto_is_versioned(c->buf, c->len)};
    if (framed == FRAME_BAD)
        deny(&reply.refusal, ERR_BAD_REQUEST, "%s", why);
    else
        parse(c->buf, line_len, line, &request, &reply.refusal);
    answer(cs->server, &c->who, &request, &reply);
    if (reply.wait) {
        c->waiting = true;
        loop_del(cs->loop, c->fd);
        loop_timer_within(cs->loop, cs->t_pidns, 0);
        return true;
    }
    send_reply(c, &reply);
    return true;
}

/* A client gone wrong before its request was whole: refused without a
 * word. */
static void drop(struct client *c, const char *why)
{
    struct reply reply = {.mute = true};
    deny(&reply.refusal, ERR_BAD_REQUEST, "%s", why);
    answer(c->cs->server, &c->who, NULL, &reply);
    send_reply(c, &reply);
}

/* Read what c has sent and act on it. Returns true when c waits for more
 * (c is still open), false when it was answered or dropped. */
static bool client_input(struct client *c)
{
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
static int64_t expire(struct loop *l, void *data)
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
static int64_t pid_map_made(struct loop *l, void *data)
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
    struct client *c = client_alloc(cs);
    if (!c) {
        slog(LOG_ERROR, "new client: %s", strerror(errno));
        close(fd);
        cs->closed(cs->closed_arg, cred->uid);
        return false;
    }
    /* All but the buffer, which len says is empty. */
    memset(c, 0, offsetof(struct client, buf));
    c->cs = cs;
    c->fd = fd;
    c->who = (struct caller){.pid = cred->pid, .uid = cred->uid,
                             .asked = monotonic_ms()};
    c->deadline = c->who.asked + CLIENT_TIMEOUT_MS;
    c->prev = cs->last;
    *(cs->last ? &cs->last->next : &cs->first) = c;
    cs->last = c;
    cs->n++;
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

bool clients_close_idle(struct clients *cs, uid_t uid, const char *why)
{
    for (struct client *c = cs->first; c; c = c->next) {
        if (c->who.uid == uid && !c->writing) {
            if (!c->len || proto_is_versioned(c->buf, c->len))
                client_say_err(c->fd, ERR_BUSY, why);
            client_close(c);
            return true;
        }
    }
    return false;
}

size_t clients_count(const struct clients *cs)
{
    return cs->n;
}

struct clients *clients_new(struct loop *l, struct server *s,
                            const struct leases *ls, struct pidns *pidns,
                            client_closed_fn *closed, void *arg)
{
    struct clients *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    *cs = (struct clients){.loop = l, .server = s, .leases = ls, .pidns = pidns,
                           .closed = closed, .closed_arg = arg};
    cs->t_expire = loop_timer(l, expire, cs);
    cs->t_pidns = loop_timer(l, pid_map_made, cs);
    return cs;
}

void clients_free(struct clients *cs)
{
    if (!cs)
        return;
    while (cs->first)
        client_close(cs->first);
    while (cs->spare) {
        struct client *c = cs->spare;
        cs->spare = c->next;
        free(c);
    }
    free(cs);
}
