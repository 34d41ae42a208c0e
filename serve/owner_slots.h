/* SPDX-License-Identifier: Apache-2.0 */
/* owner_slots.h: owner records by slot, found by pid (serve/owner_slots.c). */
#ifndef SERVE_OWNER_SLOTS_H
#define SERVE_OWNER_SLOTS_H

#include "serve/leases.h"

#define OWNER_UID_UNKNOWN ((uid_t)-1)

struct owner {
    uint64_t start;     /* /proc start time; 0: not read (none needed it) */
    uint64_t serial;    /* this record's number, never reused in a server's
                         * life: names the process where start may be 0 */
    pid_t pid;          /* in our pid namespace; 0: slot unused */
    int pidfd;          /* a pidfd (in the loop unless polled), or an open
                         * /proc/PID (proc_dir); -1: polled by its start
                         * time alone */
    uid_t ruid, euid;   /* its uids, OWNER_UID_UNKNOWN until needed */
    union {
        uint32_t nleases;   /* in use */
        uint32_t next_free; /* unused: 1 + the next unused slot, 0: none */
    };
    uint16_t first;     /* first leased port, 0 when none */
    bool polled;        /* checked every POLL_MS, not by the loop */
    bool proc_dir;      /* pidfd is an open /proc/PID, not a pidfd */
};

/* The owner with pid, or NULL. */
struct owner *leases_owner(struct leases *ls, pid_t pid);
/* A new owner record (pidfd -1, no leases), or NULL when every slot is
 * taken (never between requests: owners without leases are dropped). */
struct owner *leases_owner_new(struct leases *ls, pid_t pid, uint64_t start);
/* Free o's slot. */
void leases_owner_free(struct leases *ls, struct owner *o);
/* The owner after o (NULL: the first), in slot order; NULL at the end. o
 * may be freed before asking for the next. */
struct owner *leases_next_owner(const struct leases *ls, const struct owner *o);

#endif
