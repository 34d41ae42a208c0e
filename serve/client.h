/* SPDX-License-Identifier: Apache-2.0 */
/* client.h: the connections, from accept to reply (serve/client.c). */
#ifndef SERVE_CLIENT_H
#define SERVE_CLIENT_H

#include "include/portpicker_defaults.h"
#include "lib/proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Milliseconds a client has to send its request: a connection that sends
 * nothing is closed after this idle timeout (docs/serve.md). */
#define CLIENT_TIMEOUT_MS (PORTPICKER_IDLE_TIMEOUT_S * 1000)

struct clients;
struct leases;
struct loop;
struct metrics_histogram;
struct pidns;
struct server;

/* Told of every connection closed, with its uid (accept.c's counts). */
typedef void client_closed_fn(void *arg, uid_t uid);

/* The connections of server s, in loop l: requests are answered through
 * s, leases listings read from ls, waits for the pid map made with pidns,
 * each request's time counted in request_time, the connections open in
 * *open; closed(arg, uid) is told of each close. NULL when out of memory. */
struct clients *clients_new(struct loop *l, struct server *s,
                            const struct leases *ls, struct pidns *pidns,
                            struct metrics_histogram *request_time,
                            size_t *open, client_closed_fn *closed, void *arg);
/* Close every connection and free cs (at shutdown). */
void clients_free(struct clients *cs);
/* Connections open. */
size_t clients_count(const struct clients *cs);

/* A new connection on fd, whose peer is cred: answered at once if its
 * request is in, else watched; false when out of memory (fd closed). */
bool client_new(struct clients *cs, int fd, const struct ucred *cred);
/* Close uid's oldest connection still waiting for its request, telling it
 * why (a v1 one; a legacy request begun is refused the legacy way, by the
 * close); false when every connection of uid is being answered. */
bool clients_close_idle(struct clients *cs, uid_t uid, const char *why);
/* Tell the peer of fd, before it is closed, why in one "err CODE WHY" line
 * (what it sent and we did not read is drained first, so the line is not
 * lost to a reset). */
void client_say_err(int fd, enum proto_err code, const char *why);

#endif
