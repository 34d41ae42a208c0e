/* SPDX-License-Identifier: Apache-2.0 */
/* conn.h: a connection's state, shared by client.c (its request),
 * client_send.c (its reply's way out) and clients.c (the set of them); no
 * other file sees it. */
#ifndef SERVE_CONN_H
#define SERVE_CONN_H

#include "lib/proto.h"
#include "serve/caller.h"
#include "serve/client.h"
#include "serve/listing.h"
#include "serve/metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reply;

struct client {
    struct clients *cs;
    int fd;
    struct caller who;  /* its peer; who.asked 0: no more waiting */
    size_t len;
    size_t unread;      /* bytes of buf still in the socket (peeked) */
    bool drain;         /* the close drains what came after them too */
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
_Static_assert(PROTO_REQUEST_MAX + 2 >= sizeof("ok\n") + METRICS_TEXT_MAX,
               "a client's buffer holds a whole metrics reply");

struct clients {
    struct loop *loop;
    struct server *server;
    const struct leases *leases;
    struct pidns *pidns;
    struct metrics_histogram *request_time;
    client_closed_fn *closed;
    void *closed_arg;
    struct client *first, *last;    /* in accept order = deadline order */
    size_t *n;                      /* open: the caller's gauge (metrics) */
    struct client *spare;           /* closed clients kept, by next */
    size_t nspare;
    int t_expire, t_pid_map;
};

/* A new client on fd, last in the list (its deadline the latest), with
 * its fields zeroed but for the buffer; NULL when out of memory. */
struct client *client_alloc(struct clients *cs, int fd);
/* Close c: its fd, its place in the list; the memory is kept for the next
 * client, and the close hook told. */
void client_close(struct client *c);
/* Read and drop what the peer of fd sent beyond what we read. */
void client_drain(int fd);
/* Send c its reply at once or, when the socket buffer is full (or a leases
 * reply has lines to come), as it drains; a mute refusal is a close. A
 * refused request is drained (a read one first, a peeked one by the
 * close, after the reply), so the client sees the refusal, not a reset.
 * A pick whose reply cannot be sent whole at once is undone: the client
 * never learns its ports. c is closed once the reply is out. */
void client_send(struct client *c, struct reply *reply);

#endif
