/* SPDX-License-Identifier: Apache-2.0 */
/* leases.h: the lease table, by a port's position in the pool (leases.c;
 * owner_slots.h has the owners, pool.h the free and resting queues).
 * Only those three files walk the arrays: others use the functions below. */
#ifndef SERVE_LEASES_H
#define SERVE_LEASES_H

#include "lib/ports.h"
#include "lib/probe.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum port_state {
    PORT_FREE = 0,      /* free queue, or just taken (0: all free at first) */
    PORT_LEASED,        /* held by an owner */
    PORT_RESTING,       /* in the retry queue: probed bound by someone else */
    PORT_OUTSIDE,       /* not in the pool (never stored) */
};

/* A lease, by pool position; meaningful only while its port is leased. */
struct lease {
    uid_t uid;          /* caller that asked for it */
    uint32_t since;     /* monotonic_ms() / 1000 when granted (or restored) */
    uint16_t owner;     /* index into owners */
    uint16_t next;      /* next port of the same owner, 0 at the end */
};

struct owner;         /* serve/owner_slots.h */

/* FIFO of ports, capacity fixed at the pool size (serve/pool.c). */
struct ring {
    uint16_t *port;
    size_t cap, head, len;
    uint16_t *at;       /* the free queue's only: by pool position, its
                         * index in port[] (stale once it left) */
};

/* Every table is sized to the pool, indexed by a port's position in it
 * (its rank among the pool's ports), mapped zeroed, touched as used. */
struct leases {
    struct portset pool;
    uint16_t below[(PORT_MAX + 1) / 64]; /* pool ports below each word of
                                          * pool.bits: rank in O(1) */
    size_t npool;
    uint8_t *state;             /* enum port_state, by position */
    struct lease *lease;        /* by position */
    struct ring free, resting;
    struct owner *owners;       /* nslots: one a pool port, and a spare */
    size_t nslots, owners_used; /* slots ever used: the rest is untouched */
    uint32_t owner_free;        /* 1 + the first released slot, 0: none */
    uint32_t *by_pid;           /* open addressing: 1 + owner index, 0 empty */
    size_t by_pid_mask;
    struct uid_count *uids;     /* leases by uid (leases.c) */
    size_t nuids, nleases, nowners;
    struct probe_opts probe;
    char **name;        /* by position, NULL until the first named lease */
};

/* The position of pool port among the pool's ports, in O(1). */
static inline size_t leases_pos(const struct leases *ls, unsigned port)
{
    uint64_t below = ls->pool.bits[port / 64] & ((UINT64_C(1) << (port % 64)) - 1);
    return ls->below[port / 64] + (size_t)__builtin_popcountll(below);
}

static inline enum port_state leases_state(const struct leases *ls, unsigned port)
{
    return portset_has(&ls->pool, port) ? ls->state[leases_pos(ls, port)]
                                        : PORT_OUTSIDE;
}

static inline void leases_set_state(struct leases *ls, unsigned port, enum port_state state)
{
    ls->state[leases_pos(ls, port)] = (uint8_t)state;
}

/* Build the pool from set (not empty), every port free but none queued
 * yet (pool_fill), so leases restored from the state file come first.
 * Returns 0, or -1 with errno ENOMEM. */
int leases_init(struct leases *ls, const struct portset *set);
void leases_fini(struct leases *ls);

/* Record the lease of port (just taken, or before pool_fill a free one
 * restored) to owner o for uid. */
void leases_grant(struct leases *ls, unsigned port, struct owner *o, uid_t uid);
/* Name the lease of port (a copy is kept until the lease ends). Returns
 * 0, or -1 with errno ENOMEM (the lease stays, unnamed). */
int leases_name(struct leases *ls, unsigned port, const char *name);

/* End port's lease: released early (v1 release: to the free queue's tail)
 * or undone (a grant whose reply could not be sent: to its head). Drops
 * the owner if it has no lease left and returns its pidfd to close, or -1. */
int leases_release(struct leases *ls, unsigned port);
int leases_ungrant(struct leases *ls, unsigned port);
/* The owner died: end its leases, without a syscall, and free its slot.
 * Its ports join the tail of the free queue unprobed (a child may hold
 * one: the probe that takes it finds it). Returns how many leases ended. */
size_t leases_owner_died(struct leases *ls, struct owner *o);

/* What the table holds, counted. free: neither leased nor known bound
 * (the free queue); resting: probed bound by another process. */
struct lease_counts {
    size_t pool, leased, owners, free, resting;
};
struct lease_counts leases_counts(const struct leases *ls);
/* Leases held by uid. */
uint32_t leases_of_uid(const struct leases *ls, uid_t uid);
/* The lease of port, or NULL when port is not leased. */
const struct lease *leases_lease(const struct leases *ls, unsigned port);
/* The owner of port's lease, or NULL when port is not leased. */
struct owner *leases_owner_of(const struct leases *ls, unsigned port);
/* The name of port's lease, or NULL. */
const char *leases_name_of(const struct leases *ls, unsigned port);
/* The leased port after port (0: the first), in order; 0 at the end. */
unsigned leases_next_leased(const struct leases *ls, unsigned port);

#endif
