/* SPDX-License-Identifier: Apache-2.0 */
/* clients.c: the set of open connections: their memory (closed ones are
 * kept for the next), their list in accept order, which is also deadline
 * order, closing one, and making room for a uid at its cap. What one
 * connection does is client.c's. */
#include "serve/conn.h"
#include "serve/log.h"
#include "serve/loop.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Closed clients kept for the next ones, at most this many (the accept
 * batch): a struct client is 6 KB, which musl's allocator gives back to
 * the kernel on free (madvise, munmap) and maps again on the next malloc,
 * two or three syscalls a connection (measured: 2.5). */
#define SPARE_CLIENTS 64

/* A client's memory: a spare one, else a new one; NULL when out of memory. */
static struct client *memory(struct clients *cs)
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

/* Take from c's socket what it holds of c's request: the bytes only
 * peeked at (client.c, peek_whole), and when c->drain (a refusal) or the
 * peek filled the buffer, what came after them too, as client_drain does
 * for a request read: a unix socket closed with unread data resets its
 * peer, a client that reads to EOF after its reply. The bytes are queued,
 * so a failure is no answer: the take is tried once more, by read. */
static void take_unread(struct client *c)
{
    if (c->unread && recv(c->fd, c->buf, c->unread, MSG_DONTWAIT) < 0 &&
        read(c->fd, c->buf, c->unread) < 0)
        slog(LOG_DEBUG, "pid %d's request left in its socket: %s",
             (int)c->who.pid, strerror(errno));
    if (c->drain || c->unread == sizeof(c->buf))
        client_drain(c->fd);
    c->unread = 0;
    c->drain = false;
}

void client_close(struct client *c)
{
    struct clients *cs = c->cs;
    uid_t uid = c->who.uid;
    /* Accepted fds are ours alone (no fork, no dup): close takes the fd
     * out of epoll without an EPOLL_CTL_DEL. */
    loop_forget(cs->loop, c->fd);
    take_unread(c);
    close(c->fd);
    *(c->prev ? &c->prev->next : &cs->first) = c->next;
    *(c->next ? &c->next->prev : &cs->last) = c->prev;
    --*cs->n;
    client_free(cs, c);
    cs->closed(cs->closed_arg, uid);
}

struct client *client_alloc(struct clients *cs, int fd)
{
    struct client *c = memory(cs);
    if (!c)
        return NULL;
    /* All but the buffer, which len says is empty. */
    memset(c, 0, offsetof(struct client, buf));
    c->cs = cs;
    c->fd = fd;
    c->prev = cs->last;
    *(cs->last ? &cs->last->next : &cs->first) = c;
    cs->last = c;
    ++*cs->n;
    return c;
}

/* Read and drop what the client has sent beyond what we read: closing a
 * unix socket with unread data resets the peer (ECONNRESET), and a client
 * that sent a long request (a v1 verb, say) must see a clean refusal. */
void client_drain(int fd)
{
    char junk[512];
    for (int i = 0; i < 8 && read(fd, junk, sizeof(junk)) > 0; i++)
        continue;
}

void client_say_err(int fd, enum proto_err code, const char *why)
{
    char line[256];
    int n = proto_format_err(line, sizeof(line), code, why);
    client_drain(fd);
    log_flush(); /* what was logged of it, out before the reply */
    /* Best effort: the connection closes next, said or not. */
    if (n > 0 && send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        slog(LOG_DEBUG, "err %s not sent: %s", proto_err_name(code),
             strerror(errno));
}

bool clients_close_idle(struct clients *cs, uid_t uid, const char *why)
{
    for (struct client *c = cs->first; c; c = c->next) {
        if (c->who.uid == uid && !c->writing) {
            take_unread(c);
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
    return *cs->n;
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
