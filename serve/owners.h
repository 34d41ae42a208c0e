/* SPDX-License-Identifier: Apache-2.0 */
/* owners.h: the processes that own leases (serve/owners.c): found or
 * checked and recorded, watched until they exit, and their leases ended
 * then. The records themselves are serve/owner_slots.h's. */
#ifndef SERVE_OWNERS_H
#define SERVE_OWNERS_H

#include "serve/caller.h"
#include "serve/identify.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct leases;
struct owner;

struct owners {
    struct loop *loop;
    struct leases *leases;
    uint64_t *reclaimed;        /* leases ended by owners' deaths (stats) */
    int t_poll;                 /* polling owners without a pidfd */
    int fds, fd_max;            /* fds owners hold, may hold */
    int fd_top;                 /* an fd this high is not kept: the rest
                                 * is for probes, /proc and the state file */
    size_t npolled;             /* owners polled, not watched by the loop */
    struct owner *poll_at;      /* the last owner polled; NULL: a new round */
    struct checks check;        /* how new owners are checked */
    bool need_start;            /* every owner's start time (the state
                                 * file records it) */
};

/* Register w's polling timer; the other fields are the caller's to fill
 * first. w is the loop's ctx: its pidfds' handler finds it there. */
void owners_init(struct owners *w);
/* Close every owner's fd (at shutdown). */
void owners_fini(struct owners *w);

/* The owner record for pid, fit for c to lease to: found and still alive
 * (a quiet pidfd: no /proc read), or new: alive, no kernel thread, c's to
 * name (root may name any; others a process of their uid), and watched.
 * NULL with a refusal in why. */
struct owner *owners_get(struct owners *w, const struct caller *c, pid_t pid,
                         struct refusal *why);
/* A saved owner that owners_get could not check (a failed read: EMFILE,
 * ENOMEM), on the state file's word: pid and start time, polled until it
 * is seen gone, so that one failure never ends a live owner's lease. NULL
 * when there is no room for another owner. */
struct owner *owners_restore_unchecked(struct owners *w, pid_t pid,
                                       uint64_t start);
/* Drop o if it holds no lease (a grant that failed after owners_get). */
void owners_drop_idle(struct owners *w, struct owner *o);
/* End port's lease: undone (back to the head of the free queue) or
 * released (to the tail, probed when taken); an owner left without a
 * lease stops being watched. */
void owners_end_lease(struct owners *w, unsigned port, bool undo);

#endif
