/* SPDX-License-Identifier: Apache-2.0 */
/* grant.h: leasing ports to an owner, and ending leases early
 * (serve/grant.c): resolve the pid, find or check its owner, take the
 * ports, write them to the state file. */
#ifndef SERVE_GRANT_H
#define SERVE_GRANT_H

#include "lib/proto.h"
#include "serve/caller.h"

#include <stdint.h>
#include <sys/types.h>

struct server;

enum grant_result {
    GRANTED,            /* ports[0..r->count) are leased and recorded */
    REFUSED,            /* why says why; nothing changed */
    WAIT,               /* only the next pid map can tell who the pid is:
                         * ask again once it is made */
};

/* Lease r->count ports to the owner named by r->pid, all or none, named
 * by r->names when r->nnames. The ports of r->prefer that are in the pool,
 * free and probe free come first, in their order; the free queue gives the
 * rest. */
enum grant_result grant(struct server *s, const struct caller *c,
                        const struct request *r, unsigned *ports,
                        struct refusal *why);
/* Undo a grant whose reply could not be sent. */
void grant_undo(struct server *s, unsigned port);
/* End the lease of port early (v1 release); the port joins the tail of the
 * free queue, probed when a grant takes it. */
void grant_release(struct server *s, unsigned port);

/* Restore a lease read from the state file if its owner lives on (a
 * state_open callback, arg the server). Returns 0. */
int grant_restore(void *arg, unsigned port, pid_t pid, uint64_t start,
                  uid_t uid, const char *name);

#endif
