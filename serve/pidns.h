/* pidns.h: a caller's pid, as it names it, into ours (serve/pidns.c). */
#ifndef SERVE_PIDNS_H
#define SERVE_PIDNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Peers whose namespace is remembered (direct-mapped by pid) and for how
 * long: a peer's namespace never changes, but its pid may be reused. */
#define PIDNS_PEERS 64
#define PIDNS_PEER_MS 1000
/* Parents followed up from the caller, at most. */
#define PIDNS_MAX_DEPTH 16
/* The map of every foreign process is rebuilt at most this often. */
#define PIDNS_MAP_MS 1000

struct pidns_peer {
    pid_t peer;         /* 0: empty */
    int levels;         /* 1: the peer shares our pids */
    uint64_t ns;        /* 0: unknown (its /proc/PID/ns/pid unreadable) */
    int64_t until;
};

struct pidns_pid {
    uint64_t ns;
    pid_t nspid, pid;
};

struct pidns {
    uint64_t ours;      /* 0: no /proc: every caller is taken to share our pids */
    struct pidns_peer peers[PIDNS_PEERS];
    struct pidns_pid *map;      /* sorted by (ns, nspid) */
    size_t len, cap;
    int64_t built;      /* monotonic_ms() of the last scan, 0: never */
    unsigned scans;     /* scans of /proc so far */
};

/* Learn our own namespace; 0, or -1 with errno set (no /proc: then every
 * caller is taken to share our pids). */
int pidns_init(struct pidns *n);
void pidns_fini(struct pidns *n);

/* The pid, in our namespace, that pid names for the peer (SO_PEERCRED's
 * pid, ours; 0 when unknown). The peer itself and its parents resolve by
 * reading their /proc/PID/status; any other pid through a map of /proc
 * rebuilt at most every PIDNS_MAP_MS. Returns it; 0 when the caller's
 * namespace has no such pid; -1 when it cannot be told (the caller's
 * namespace is nested but unreadable); both with a reason in why. */
pid_t pidns_resolve(struct pidns *n, pid_t peer, long long pid, char *why,
                    size_t whylen);

#endif
