/* SPDX-License-Identifier: Apache-2.0 */
/* run.h: the port server's options, and running it (serve/run.c). */
#ifndef SERVE_RUN_H
#define SERVE_RUN_H

#include "lib/ports.h"

#include <stdbool.h>

struct serve_opts {
    const char *address;
    const char *state;
    const char *pidfile;
    const char *metrics_file;   /* rewritten every few seconds, or NULL */
    struct portset pool;
    int socket_mode;            /* -1: leave as umask made it */
    long max_per_uid;           /* leases a uid may hold; 0: no limit,
                                 * -1: the default (fair_shares) */
    long max_conns_per_uid;     /* connections a uid may hold open; 0, -1
                                 * as above */
    bool no_pidfd;              /* poll start times even if pidfd works */
};

/* Run the server until SIGTERM/SIGINT. Returns an exit code. */
int serve_run(const struct serve_opts *opts);

#endif
