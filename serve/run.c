/* SPDX-License-Identifier: Apache-2.0 */
/* run.c: the server's life: set up, run the loop, tear down.
 *
 * Order matters: the state file is locked and read before the socket is
 * bound (a bad state file, or one another server holds, stops us before we
 * answer anyone) but rewritten only after (a second server on a busy
 * address must not touch its file). Teardown frees everything, so ASan sees
 * no leak. */
#include "include/portpicker_defaults.h"
#include "lib/exit_codes.h"
#include "lib/sys.h"
#include "serve/accept.h"
#include "serve/client.h"
#include "serve/daemon.h"
#include "serve/grant.h"
#include "serve/identify.h"
#include "serve/log.h"
#include "serve/notes.h"
#include "serve/pool.h"
#include "serve/server.h"
#include "serve/server_metrics.h"
#include "serve/upkeep.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void on_signal(struct loop *l, int fd, void *data, int mask)
{
    struct server *s = data;
    struct signalfd_siginfo si;
    (void)mask;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGUSR1) {
            stats_log(s, "SIGUSR1");
        } else {
            slog(LOG_NOTICE, "%s: stopping",
                 si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
            l->stop = true;
        }
    }
}

/* The failure that stops the server, logged as "WHAT: ERR" (just WHAT when
 * err is empty); returns rc, the exit code to stop with. */
static int fatal(int rc, const char *what, const char *err)
{
    slog(LOG_ERROR, "%s%s%s", what, *err ? ": " : "", err);
    return rc;
}

/* Rewrite the state file as we start. A full disk does not stop us: we
 * answer, refusing grants until the file can be written (the sync timer
 * retries each second); any other failure does. */
static int start_state(struct server *s)
{
    char err[512];
    int rc = state_rewrite(&s->state, &s->leases, err, sizeof(err));
    log_notes(&s->state.notes);
    if (rc == 0)
        return 0;
    if (s->state.error != ENOSPC && s->state.error != EDQUOT)
        return fatal(-1, err, "");
    slog(LOG_ERROR, "%s%s", err, s->state.must_rewrite
         ? ": no grant until it can be written" : ": appending to it as it is");
    loop_timer_within(&s->loop, s->t_sync, 0);
    return 0;
}

/* Tries at reading /proc/self/stat before a failure that does not say
 * "no /proc" stops the server, and the pause between them. */
#define PROC_TRIES 3
#define PROC_RETRY_MS 10

/* Is there a /proc? Only a failure that says so (ENOENT: none mounted;
 * EACCES, EPERM: hidden) means no; any other (EMFILE, ENOMEM, EIO) is
 * retried, and stops the server when it lasts: a passing failure must not
 * make it run without /proc for life. RC_OK with s->owners.check.no_proc,
 * or the exit code to stop with. */
static int find_proc(struct server *s)
{
    char stat[256];
    for (int i = 0; i < PROC_TRIES; i++) {
        if (i)
            sleep_ms(PROC_RETRY_MS);
        if (read_small_file("/proc/self/stat", stat, sizeof(stat)) >= 0)
            return RC_OK;
        if (errno == ENOENT || errno == EACCES || errno == EPERM) {
            s->owners.check.no_proc = true;
            return RC_OK;
        }
    }
    return fatal(RC_SYSTEM, "/proc/self/stat: cannot tell whether /proc is "
                 "there", strerror(errno));
}

/* Without /proc, pidfds still tell when an owner exits: say what is lost,
 * or return the exit code to stop with if they cannot (--no-pidfd, Linux
 * < 5.3), rather than listen and refuse everyone. */
static int check_proc(struct server *s)
{
    int rc = find_proc(s);
    if (rc != RC_OK || !s->owners.check.no_proc)
        return rc;
    if (s->owners.check.no_pidfd)
        return fatal(RC_SYSTEM, "no /proc: --no-pidfd cannot watch owners "
                     "(it polls /proc/PID/stat)", "");
    const char *owners = identify_without_proc(&s->owners.check);
    if (!owners)
        return fatal(RC_SYSTEM, "no /proc, and no pidfd (Linux >= 5.3 needed): "
                     "cannot tell when an owner exits", strerror(errno));
    slog(LOG_WARN, "no /proc: owners are watched by pidfd; a caller other "
         "than root may lease only to %s; pids of other pid namespaces are "
         "taken as ours; kernel threads are not told apart; leases show no "
         "command line; a saved lease is kept while a process of its pid "
         "lives", owners);
    return RC_OK;
}

/* The limit opt names (-1: dflt, for every uid but root). */
static struct uid_limits uid_limits(long opt, size_t dflt)
{
    if (opt >= 0)
        return (struct uid_limits){(unsigned)opt, true};
    return (struct uid_limits){dflt > 1 ? (unsigned)dflt : 1, false};
}

/* Fair shares by default (docs/serve.md): a uid may lease half the pool and
 * hold a quarter of the connections the fd limit allows (at most
 * PORTPICKER_CONNS_PER_UID_MAX); owners' pidfds may take half the fds
 * (docs/security.md, 4), the other half is for connections, and owners
 * beyond it are polled. The connections' limit, into *conn_cap. */
static void fair_shares(struct server *s, struct uid_limits *conn_cap)
{
    size_t fds = s->fd_limit > 2 * FD_HEADROOM ? (size_t)(s->fd_limit - FD_HEADROOM) : FD_HEADROOM;
    s->quota = uid_limits(s->opts->max_per_uid, portset_count(&s->opts->pool) / 2);
    size_t conns = fds / 4 < PORTPICKER_CONNS_PER_UID_MAX ? fds / 4 : PORTPICKER_CONNS_PER_UID_MAX;
    *conn_cap = uid_limits(s->opts->max_conns_per_uid, conns);
    s->owners.fd_max = (int)(fds / 2);
    slog(LOG_INFO, "per uid: %u leases, %u connections (0: no limit)",
         s->quota.max, conn_cap->max);
    slog(LOG_INFO, "owners watched by fd: at most %d; beyond, polled",
         s->owners.fd_max);
}

/* The modules, wired: the owners (the loop's ctx, for their pidfds), the
 * timers between requests, the listener and the connections. */
static int wire(struct server *s)
{
    struct uid_limits conn_cap;
    fair_shares(s, &conn_cap);
    if (loop_init(&s->loop, &s->owners, log_flush) < 0 ||
        leases_init(&s->leases, &s->opts->pool) < 0)
        return -1;
    upkeep_timers(s);
    s->owners.loop = &s->loop;
    s->owners.leases = &s->leases;
    s->owners.reclaimed = &s->stats.reclaimed;
    s->owners.fd_top = s->fd_limit - FD_HEADROOM;
    owners_init(&s->owners);
    if (s->opts->metrics_file) {
        s->t_metrics = loop_timer(&s->loop, metrics_file_timer, s);
        loop_timer_within(&s->loop, s->t_metrics, 0);
    }
    s->listener = listener_new(&s->loop, s->fd_limit - FD_HEADROOM, conn_cap,
                               &s->stats.conns_refused);
    s->clients = s->listener ? clients_new(&s->loop, s, &s->leases, &s->pidns,
                                           &s->stats.request_time,
                                           &s->connections, listener_closed,
                                           s->listener)
                             : NULL;
    return s->clients ? 0 : -1;
}

static int start(struct server *s)
{
    const struct serve_opts *opts = s->opts;
    char err[512], pool[128];

    size_t fd_limit;
    /* Many owners mean many pidfds: take all the fds we are allowed. A
     * limit that stays low is no reason not to serve. */
    raise_fd_limit(0, &fd_limit);
    s->fd_limit = fd_limit > INT_MAX ? INT_MAX : (int)fd_limit;
    int rc = check_proc(s);
    if (rc != RC_OK)
        return rc;
    if (pidns_init(&s->pidns) < 0)
        s->pidns.ours = 0; /* no /proc: callers are taken to share our pids */
    if (wire(s) < 0)
        return fatal(RC_SYSTEM, strerror(errno), "");
    if (opts->state) {
        rc = state_open(&s->state, grant_restore, s, err, sizeof(err));
        log_notes(&s->state.notes);
        if (rc < 0)
            return fatal(errno == EWOULDBLOCK ? RC_ADDR_IN_USE : RC_SYSTEM,
                         err, "");
    }
    pool_fill(&s->leases);

    int fd;
    struct notes notes = {0};
    rc = listen_activated(&fd, &notes, err, sizeof(err));
    log_notes(&notes);
    if (rc < 0)
        return fatal(RC_SYSTEM, err, "");
    s->activated = fd >= 0;
    if (fd < 0) {
        fd = listen_unix(opts->address, opts->socket_mode, &notes, err,
                         sizeof(err));
        log_notes(&notes);
        if (fd < 0)
            return fatal(errno == EADDRINUSE ? RC_ADDR_IN_USE : RC_SYSTEM,
                         err, "");
        s->bound = opts->address[0] != '@';
    }
    s->listening = true;
    if (listener_start(s->listener, fd, s->clients) < 0)
        return fatal(RC_SYSTEM, "epoll_ctl", strerror(errno));
    if (opts->state && start_state(s) < 0)
        return RC_SYSTEM;
    if ((s->sig_fd = signals_fd()) < 0 ||
        loop_add(&s->loop, s->sig_fd, on_signal, NULL, s) < 0)
        return fatal(RC_SYSTEM, "signals", strerror(errno));
    if (opts->pidfile) {
        rc = pidfile_write(opts->pidfile, &notes);
        log_notes(&notes);
        if (rc < 0)
            return fatal(RC_SYSTEM, opts->pidfile, strerror(errno));
        s->pidfile = true;
    }
    portset_format(&opts->pool, pool, sizeof(pool));
    slog(LOG_NOTICE, "listening on %s, pool %s (%zu ports), %zu leases kept, "
         "%zu dropped", s->activated ? "the socket systemd passed" : opts->address,
         pool, leases_counts(&s->leases).pool, leases_counts(&s->leases).leased,
         s->dropped);
    if (sd_notify_state("READY=1") < 0)
        slog(LOG_WARN, "NOTIFY_SOCKET: %s", strerror(errno));
    return RC_OK;
}

static void stop(struct server *s)
{
    char err[512];
    /* A server that never listened (another answers at its address: exit
     * 5) leaves the state file as it found it. */
    if (s->listener)
        listener_stop(s->listener);
    if (s->bound && unlink(s->opts->address) < 0)
        slog(LOG_WARN, "%s: %s", s->opts->address, strerror(errno));
    clients_free(s->clients);
    listener_free(s->listener);
    if (s->state.fd >= 0 && s->listening &&
        state_rewrite(&s->state, &s->leases, err, sizeof(err)) < 0)
        slog(LOG_ERROR, "%s", err);
    log_notes(&s->state.notes);
    state_close(&s->state);
    if (s->owners.leases)
        owners_fini(&s->owners);
    if (s->listening)
        metrics_file_remove(s);
    if (s->pidfile && unlink(s->opts->pidfile) < 0)
        slog(LOG_WARN, "%s: %s", s->opts->pidfile, strerror(errno));
    if (s->sig_fd >= 0)
        close(s->sig_fd);
    leases_fini(&s->leases);
    pidns_fini(&s->pidns);
    loop_fini(&s->loop);
}

int serve_run(const struct serve_opts *opts)
{
    struct server *s = calloc(1, sizeof(*s));
    if (!s) {
        slog(LOG_ERROR, "%s", strerror(errno));
        return RC_SYSTEM;
    }
    s->opts = opts;
    s->sig_fd = s->state.fd = s->loop.epfd = -1;
    s->state.path = opts->state;
    s->owners.check.no_pidfd = opts->no_pidfd;
    s->owners.need_start = opts->state != NULL;
    int rc = start(s);
    while (rc == RC_OK && !s->loop.stop) {
        if (loop_once(&s->loop) < 0)
            rc = fatal(RC_SYSTEM, "epoll_wait", strerror(errno));
    }
    if (rc == RC_OK) {
        sd_notify_state("STOPPING=1");
        stats_log(s, "final");
    }
    stop(s);
    free(s);
    return rc;
}
