/* SPDX-License-Identifier: Apache-2.0 */
/* leases.h: the pool: free queue, lease table by port, owners
 * (serve/leases.c). Other files read the table only through the functions
 * below: the arrays are leases.c's to walk. */
#ifndef SERVE_LEASES_H
#define SERVE_LEASES_H

#include "portpicker.h"


enum port_state {
    PORT_FREE = 0,      /* in the free queue (0: a fresh table is all free) */
    PORT_LEASED,        /* held by an owner */
    PORT_RESTING,       /* in the retry queue: bound by someone else */
    PORT_DYING,         /* its owner died; not yet probed */
    PORT_OUTSIDE,       /* not in the pool (never stored) */
};

/* A lease, by pool position; meaningful only while its port is leased. */
struct lease {
    uid_t uid;          /* caller that asked for it */
    uint32_t since;     /* monotonic_ms() / 1000 when granted (or restored) */
    uint16_t owner;     /* index into owners */
    uint16_t next;      /* next port of the same owner, 0 at the end */
};

#define OWNER_UID_UNKNOWN ((uid_t)-1)

struct owner {
    uint64_t start;     /* /proc start time */
    pid_t pid;          /* in our pid namespace; 0: slot unused */
    int pidfd;          /* a pidfd in the loop, or (polled) an open /proc/PID;
                         * -1: polled by its start time alone */
    uid_t ruid, euid;   /* its uids, OWNER_UID_UNKNOWN until needed */
    union {
        uint32_t nleases;   /* in use */
        uint32_t next_free; /* unused: 1 + the next unused slot, 0: none */
    };
    uint16_t first;     /* first leased port, 0 when none */
    bool polled;        /* checked every POLL_MS, not by the loop */
};

/* FIFO of ports, capacity fixed at the pool size. */
struct ring {
    uint16_t *port;
    size_t cap, head, len;
    uint16_t *at;       /* the free queue's only: by pool position, its
                         * index in port[] (stale once it left), so that a
                         * given port is taken out in O(1) */
};

struct uid_count {
    uid_t uid;
    uint32_t count;
};

/* Every table is sized to the pool and indexed by a port's position in it
 * (its rank among the pool's ports), never by port: a small pool costs
 * little whatever its ports. Tables are mapped zeroed and touched only as
 * they are used. */
struct leases {
    struct portset pool;
    uint16_t below[(PORT_MAX + 1) / 64]; /* pool ports below each word of
                                          * pool.bits: rank in O(1) */
    size_t npool;
    uint8_t *state;             /* enum port_state, by position */
    struct lease *lease;        /* by position */
    struct ring free, resting, dying;
    struct owner *owners;       /* nslots: one a pool port, and a spare */
    size_t nslots;
    size_t owners_used;         /* slots ever used: the rest is untouched */
    uint32_t owner_free;        /* 1 + the first released slot, 0: none */
    uint32_t *by_pid;           /* open addressing: 1 + owner index, 0 empty */
    size_t by_pid_mask;
    struct uid_count *uids;
    size_t nuids;
    size_t nleases, nowners;
    struct probe_opts probe;
    char **name;        /* by position, NULL until the first named lease */
};

/* Build the pool from set (not empty), every port free but none queued
 * yet, so leases_grant can restore leases first. Returns 0, or -1 (ENOMEM)
 * with errno set. */
int leases_init(struct leases *ls, const struct portset *set);
/* Queue the free ports, in increasing order; once, after leases_init. */
void leases_fill(struct leases *ls);
void leases_fini(struct leases *ls);

/* The owner with pid, or NULL. */
struct owner *leases_owner(struct leases *ls, pid_t pid);
/* A new owner record (pidfd -1, no leases). There is always a slot: owners
 * without leases are dropped at the end of each request. */
struct owner *leases_owner_new(struct leases *ls, pid_t pid, uint64_t start);

/* Leases held by uid. */
uint32_t leases_of_uid(const struct leases *ls, uid_t uid);

/* Take a free port: pop the free queue, probing at most `budget` ports;
 * ports found bound are moved to the resting queue. Returns the port, or 0
 * (pool exhausted, or budget spent); *checked counts the probes. A probe
 * that fails (EMFILE) puts its port back and stops: returns 0, errno set. */
unsigned leases_take(struct leases *ls, unsigned budget, unsigned *checked);

/* Take port itself out of the free queue, in O(1): 1 when it was queued
 * and probes free, 0 when it was not queued (outside the pool, leased,
 * resting, or taken already) or is bound (it then rests), -1 with errno
 * when the probe fails (it stays queued). */
int leases_take_port(struct leases *ls, unsigned port);

/* Put back a port just taken and not granted, at the head of the queue. */
void leases_untake(struct leases *ls, unsigned port);

/* Record the lease of port (just taken, or before leases_fill a free one
 * restored from the journal) to owner o for uid. */
void leases_grant(struct leases *ls, unsigned port, struct owner *o, uid_t uid);

/* Name the lease of port (a copy is kept until the lease ends). Returns
 * 0, or -1 with errno ENOMEM (the lease stays, unnamed). */
int leases_name(struct leases *ls, unsigned port, const char *name);
/* The name of port's lease, or NULL. */
const char *leases_name_of(const struct leases *ls, unsigned port);

/* End the lease of port early (v1 release): the port waits in the dying
 * queue for leases_settle, like a dead owner's. Drops the owner if it has
 * no lease left and returns its pidfd to close, or -1. */
int leases_release(struct leases *ls, unsigned port);

/* Undo a grant whose reply could not be sent: the port goes back to the
 * head of the free queue. Drops the owner if it has no lease left and
 * returns its pidfd to close, or -1. */
int leases_ungrant(struct leases *ls, unsigned port);

/* The owner died: end its leases, without a syscall (an owner may hold
 * thousands), and release its slot. Its ports wait in the dying queue for
 * leases_settle. Returns how many leases ended. */
size_t leases_owner_died(struct leases *ls, struct owner *o);

/* Probe up to budget dying ports: free ones join the tail of the free
 * queue, bound ones rest. Returns how many were freed; *bound counts the
 * others. */
size_t leases_settle(struct leases *ls, size_t budget, size_t *bound);

/* Probe up to budget resting ports; free ones join the free queue.
 * Returns how many were freed. */
size_t leases_retry(struct leases *ls, size_t budget);

/* ---- reading the table ---- */

/* The lease of port, or NULL when port is not leased. */
const struct lease *leases_lease(const struct leases *ls, unsigned port);
/* The owner of port's lease, or NULL when port is not leased. */
struct owner *leases_owner_of(const struct leases *ls, unsigned port);
/* Is port in the pool and free (not leased, resting or dying)? */
bool leases_is_free(const struct leases *ls, unsigned port);

/* The leased port after port (0: the first), in increasing order; 0 at the
 * end: for (p = leases_next_leased(ls, 0); p; p = leases_next_leased(ls, p)) */
unsigned leases_next_leased(const struct leases *ls, unsigned port);
/* The owner after o (NULL: the first), in slot order; NULL at the end. o
 * may be dropped (leases_owner_died) before asking for the next. */
struct owner *leases_next_owner(const struct leases *ls, const struct owner *o);
/* The port of o's leases after port (0: the first); 0 at the end. */
unsigned leases_next_of_owner(const struct leases *ls, const struct owner *o,
                              unsigned port);

#endif
