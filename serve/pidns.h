/* SPDX-License-Identifier: Apache-2.0 */
/* pidns.h: a caller's pid, as it names it, into ours (serve/pidns.c). */
#ifndef SERVE_PIDNS_H
#define SERVE_PIDNS_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Peers whose namespace is remembered (direct-mapped by pid) and for how
 * long: a peer's namespace never changes, but its pid may be reused. */
#define PIDNS_PEERS 64
#define PIDNS_PEER_MS 1000
/* Parents followed up from the caller, at most. */
#define PIDNS_MAX_DEPTH 16
/* The map of every foreign process is made by a pass over /proc, started
 * at most once every PIDNS_MAP_MS, and done a slice at a time: processes
 * until the millisecond clock has moved on by PIDNS_SLICE_MS, then
 * PIDNS_REST_MS of rest. A process the last pass saw costs its readdir
 * entry alone; a new one a stat and a read of /proc/PID/status (some
 * 40 us). However many processes there are, a pass holds the event loop a
 * millisecond at a time and takes a fifth of a core at most
 * (docs/security.md, 3). */
#define PIDNS_MAP_MS 1000
#define PIDNS_SLICE_MS 1
#define PIDNS_REST_MS 4

/* pidns_resolve: the answer needs a pass that has not been made yet. */
#define PIDNS_WAIT (-2)

struct pidns_peer {
    pid_t peer;         /* 0: empty */
    int levels;         /* 1: the peer shares our pids */
    uint64_t ns;        /* 0: unknown (its /proc/PID/ns/pid unreadable) */
    int64_t until;
};

struct pidns_pid {
    uint64_t ns;        /* its pid namespace; 0: not ours to read */
    uint64_t ino;       /* of its /proc/PID, as the pass saw it */
    pid_t nspid;        /* its pid there, when not ours */
    pid_t pid;
};

/* The processes a pass saw, in pid order. */
struct pidns_map {
    struct pidns_pid *at;
    size_t len, cap;
};

struct pidns {
    uint64_t ours;      /* 0: no /proc: every caller is taken to share our pids */
    struct pidns_peer peers[PIDNS_PEERS];
    struct pidns_map map;       /* the last whole pass */
    struct pidns_map next;      /* the pass under way */
    DIR *dir;                   /* /proc, while a pass is under way */
    size_t old_at;              /* how far the pass is in the last one's */
    int64_t built;      /* monotonic_ms() when the map's pass started, 0: never */
    int64_t started;    /* when the pass under way (or the last) started */
};

/* Learn our own namespace; 0, or -1 with errno set (no /proc: then every
 * caller is taken to share our pids). */
int pidns_init(struct pidns *n);
void pidns_fini(struct pidns *n);

/* The pid, in our namespace, that pid names for the peer (SO_PEERCRED's
 * pid, ours; 0 when unknown), asked at monotonic_ms() `asked`. The peer
 * itself and its parents resolve by reading their /proc/PID/status; any
 * other pid through the map, a hit checked against that one process's
 * /proc/PID/status. Returns it; 0 when the caller's namespace has no such
 * pid; -1 when it cannot be told (the peer's pid is 0: its namespace is
 * outside ours; the caller's namespace is nested but unreadable; or asked
 * is 0 and the map is older than the question: the caller can wait no
 * longer); both with a reason in why. PIDNS_WAIT when only a map made
 * after `asked` can tell: ask again once pidns_work returns 0. */
pid_t pidns_resolve(struct pidns *n, pid_t peer, long long pid, int64_t asked,
                    char *why, size_t whylen);

/* Make the next map a slice further, starting a pass when none is under
 * way (once PIDNS_MAP_MS have passed since the last one started). Returns
 * 0 once the map is new, else the milliseconds until it wants to go on. */
int64_t pidns_work(struct pidns *n);

#endif
