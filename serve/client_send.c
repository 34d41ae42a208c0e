/* SPDX-License-Identifier: Apache-2.0 */
/* client_send.c: a reply's way out to its client (client_send, declared
 * in conn.h): at once, or as the socket drains, or undone. Called by
 * client.c once a request is answered; the close is clients.c's. */
#include "serve/answer.h"
#include "serve/conn.h"
#include "serve/log.h"
#include "serve/loop.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

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

void client_send(struct client *c, struct reply *reply)
{
    bool refused = reply->refusal.refused;
    /* A peeked request is drained by the close, after the reply: the
     * client is woken by the reply alone. */
    if (refused && c->unread)
        c->drain = true;
    else if (refused)
        client_drain(c->fd);
    /* What was logged of the request, out before its reply: a mute
     * refusal's reply is the close, which the client sees at once. */
    log_flush();
    if (refused && reply->mute) {
        client_close(c);
        return;
    }
    bool more = reply->leases && reply->count && !refused;
    ssize_t sent = reply->failed ? -1
                   : send(c->fd, reply->text, reply->len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == (ssize_t)reply->len && !more) {
        answer_sent(c->cs->server, reply);
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
