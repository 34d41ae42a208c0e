/* SPDX-License-Identifier: Apache-2.0 */
/* server.h: the server's state, shared by what grants and reclaims
 * (grant.c, answer.c, upkeep.c, stats.c) and what starts and stops it
 * (run.c). The connections (client.h) and the listener (accept.h) keep
 * their own, out of sight.
 *
 * A request's path, file by file (HACKING.md, "A request's path"):
 * loop.c -> accept.c -> client.c -> answer.c -> grant.c -> owners.c,
 * pool.c, leases.c, state.c; the reply goes back the way it came. */
#ifndef SERVE_SERVER_H
#define SERVE_SERVER_H

#include "serve/caller.h"
#include "serve/leases.h"
#include "serve/loop.h"
#include "serve/owners.h"
#include "serve/pidns.h"
#include "serve/run.h"
#include "serve/state.h"
#include "serve/stats.h"

#define RETRY_MS 1000        /* resting ports are probed again this often */
#define SYNC_MS 1000         /* the state file is fsync'd this long after a write */

/* File descriptors kept free for probes, /proc and the state file: the
 * listener pauses when an accepted fd reaches fd_limit - FD_HEADROOM. */
#define FD_HEADROOM 16

struct listener;
struct clients;

struct server {
    const struct serve_opts *opts;
    struct loop loop;
    struct leases leases;
    struct owners owners;
    struct state_file state;
    struct pidns pidns;
    struct stats stats;
    struct listener *listener;
    struct clients *clients;
    struct uid_limits quota;    /* leases per uid */
    int fd_limit;               /* RLIMIT_NOFILE soft limit */
    int sig_fd;
    bool activated;             /* the listening fd came from systemd */
    bool bound;                 /* we made a filesystem socket: remove it */
    bool pidfile;               /* we wrote opts->pidfile: remove it */
    bool listening;             /* we got a listening fd: the state file is ours */
    size_t dropped;             /* saved leases of dead owners */
    size_t connections;         /* open: client.c keeps it (clients_new) */
    int t_retry, t_sync, t_metrics;
    int metrics_errno;          /* of the last failed metrics file write */
};

#endif
