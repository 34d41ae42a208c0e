/* SPDX-License-Identifier: Apache-2.0 */
/* accept.h: the listener and the per-uid connection counts
 * (serve/accept.c). */
#ifndef SERVE_ACCEPT_H
#define SERVE_ACCEPT_H

#include "serve/caller.h"

#include <stdint.h>
#include <sys/types.h>

struct clients;
struct listener;
struct loop;

/* A listener in loop l for clients, pausing when an accepted fd reaches
 * fd_top, each uid held to cap connections (*refused counts those closed
 * for it). NULL when out of memory. */
struct listener *listener_new(struct loop *l, int fd_top, struct uid_limits cap,
                              uint64_t *refused);
/* Accept connections on fd for clients; fd is li's from now on, closed by
 * listener_stop. Returns 0, or -1 with errno set. */
int listener_start(struct listener *li, int fd, struct clients *clients);
/* A connection of uid closed (client.h's client_closed_fn, arg the
 * listener): one fewer for uid, and accept again after a pause for fds. */
void listener_closed(void *arg, uid_t uid);
/* Stop accepting and close the listening fd; closes that follow do not
 * resume it. */
void listener_stop(struct listener *li);
void listener_free(struct listener *li);

#endif
