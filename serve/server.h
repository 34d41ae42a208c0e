/* SPDX-License-Identifier: Apache-2.0 */
/* server.h: the port server: its options, its state, and the parts that
 * share it.
 *
 * log.c     one write(2) per log line, with a level       (log.h)
 * loop.c    an ae-shaped epoll loop: handlers by fd, timers (loop.h)
 * owner.c   what /proc says about a process               (owner.h)
 * pidns.c   a caller's pid into ours, across pid namespaces (pidns.h)
 * leases.c  the pool: free queue, lease table, owners     (leases.h)
 * state.c   the lease journal behind --state              (state.h)
 * daemon.c  sockets, activation, pidfile, sd_notify, signals (daemon.h)
 * client.c  one connection: read and frame a request, parse it (lib/proto.h), send the reply
 * answer.c  one dispatch from a request to its reply; refusals counted here
 * metrics.c the counters, and metrics as OpenMetrics text   (metrics.h)
 * server_metrics.c  their snapshot: v1 metrics, --metrics-file
 * server.c  granting, reclaiming, the timers that retry, poll and sync
 * run.c     setup, the loop, teardown
 */
#ifndef SERVE_SERVER_H
#define SERVE_SERVER_H

#include "portpicker.h"
#include "serve/leases.h"
#include "serve/log.h"
#include "serve/loop.h"
#include "serve/metrics.h"
#include "serve/pidns.h"
#include "serve/state.h"


struct serve_opts {
    const char *address;
    const char *state;
    const char *pidfile;
    struct portset pool;
    int socket_mode;            /* -1: leave as umask made it */
    long max_per_uid;           /* leases a uid may hold; 0: no limit,
                                 * -1: the default (fair_shares) */
    long max_conns_per_uid;     /* connections a uid may hold open; 0, -1
                                 * as above */
    bool no_pidfd;              /* poll start times even if pidfd works */
    const char *metrics_file;   /* rewritten every few seconds, or NULL */
};

/* Owners' command lines, for lease listings (answer.c), by pid modulo
 * CMD_CACHE: leases come in port order, and a pool filled by a few owners
 * in turn interleaves them, so a listing would otherwise read /proc a
 * lease. An entry is good for the process its start time names, so a
 * reused pid never shows its predecessor's line. */
#define CMD_CACHE 64
struct cmd_entry {
    pid_t pid;          /* 0: empty */
    uint64_t start;
    char cmd[PROTO_CMD_MAX + 1];
};

struct client {
    int fd;
    pid_t peer_pid;     /* SO_PEERCRED, in our namespace (0: unknown) */
    uid_t uid;
    size_t len;
    int64_t deadline;
    int64_t asked;      /* when it came: only a pid map made since can say
                         * a pid is not there; 0: its time is up */
    bool waiting;       /* its request waits for the pid map */
    struct client *prev, *next;
    /* Once the request is answered, buf holds what is left of the reply:
     * buf[out_off..out_len). A leases reply is written as the socket
     * drains, a buffer at a time, from the leased port after `cursor`, at
     * most `lines_left` more lines: a client that never reads costs this
     * struct and no more. */
    bool writing;
    size_t out_len, out_off;
    unsigned cursor;
    size_t lines_left;
    char buf[PROTO_REQUEST_MAX + 2];   /* a line, its newline, one byte more */
};
_Static_assert(PROTO_REQUEST_MAX + 2 >= 2 * PROTO_LEASE_LINE_MAX,
               "a client's buffer holds at least two lease lines");
_Static_assert(PROTO_REQUEST_MAX + 2 >= sizeof("ok\n") + METRICS_TEXT_MAX,
               "a client's buffer holds a whole metrics reply");

/* A per-uid limit: 0 is none; root is held to it only when set by an
 * option (by default root is exempt: it could stop the server anyway). */
struct uid_limits {
    unsigned max;
    bool root_too;
};

/* The limit l puts on uid (0: none). */
static inline unsigned uid_limit(struct uid_limits l, uid_t uid)
{
    return uid == 0 && !l.root_too ? 0 : l.max;
}

enum pause_reason { LISTEN_ON, LISTEN_FULL, LISTEN_BACKOFF };

struct server {
    const struct serve_opts *opts;
    struct loop loop;
    struct leases leases;
    struct journal journal;
    struct stats stats;
    int listen_fd, sig_fd;
    bool activated;             /* listen_fd came from systemd */
    bool bound;                 /* we made a filesystem socket: remove it */
    bool pidfile;               /* we wrote opts->pidfile: remove it */
    size_t dropped;             /* saved leases of dead owners */
    enum pause_reason paused;
    int64_t pause_logged;       /* when a pause was last logged */
    int fd_limit;               /* RLIMIT_NOFILE soft limit */
    int owner_fds, owner_fd_max;/* fds owners hold, may hold (fair_shares) */
    struct owner *poll_at;      /* the last owner polled; NULL: a new round */
    struct pidns pidns;         /* callers' pids into ours */
    bool no_proc;               /* /proc unreadable: pidfds only */
    struct uid_limits quota, conn_cap;  /* leases, connections per uid */
    struct uid_count *conns;    /* open connections per uid, nconns uids */
    size_t nconns;
    struct client *first, *last;/* in accept order = deadline order */
    size_t nclients;
    struct client *spare;       /* closed clients kept for reuse, by next */
    size_t nspare;
    int t_clients, t_listen, t_retry, t_settle, t_poll, t_sync, t_pidns;
    int t_metrics;
    int metrics_errno;          /* of the last failed metrics file write */
    bool pid_wait;              /* the last pick waits for the pid map */
    char why[160];              /* why the last request was denied */
    struct cmd_entry cmds[CMD_CACHE];
};

/* File descriptors kept free for probes, /proc and the state file: the
 * listener pauses when an accepted fd reaches fd_limit - FD_HEADROOM. */
#define FD_HEADROOM 16

/* Milliseconds a client has to send its request: a connection that sends
 * nothing is closed after this idle timeout (docs/serve.md). */
#define CLIENT_TIMEOUT_MS (PORTPICKER_IDLE_TIMEOUT_S * 1000)

/* ---- serve/accept.c: the listener and per-uid connection caps ---- */

/* Accept connections on the listening socket (a loop_fn). */
void client_accept(struct loop *l, int fd, void *data, int mask);
/* Accept again after a pause, unless already accepting. */
void listen_resume(struct server *s);
/* Resume accepting after a pause (a timer_fn, data the server). */
int64_t listen_timer(struct loop *l, void *data);
/* One connection more of uid (false when out of memory); one fewer. */
bool conns_up(struct server *s, uid_t uid);
void conns_down(struct server *s, uid_t uid);

/* ---- serve/client.c: one connection, from accept to reply ---- */

/* A new client for fd, whose peer is cred: answered at once if its
 * request is in, else watched; false when out of memory (fd closed). */
bool client_new(struct server *s, int fd, const struct ucred *cred);
/* Close c and keep its memory for the next client. */
void client_close(struct server *s, struct client *c);
/* Tell the peer of fd, before it is closed, why in one "err CODE WHY" line
 * (what it sent and we did not read is drained first, so the line is not
 * lost to a reset). */
void client_say_err(int fd, enum proto_err code, const char *why);
/* Drop clients whose time is up (a timer_fn). */
int64_t client_expire(struct loop *l, void *data);
/* Close every client (at shutdown). */
void client_close_all(struct server *s);
/* Answer the clients whose requests waited for the pid map. */
void client_retry(struct server *s);

/* Grant count ports to the owner named by pid, all or none, named by
 * names (NULL: unnamed); the heart of a request. The nprefer ports of
 * prefer that are in the pool, free and probe free come first, in their
 * order; the free queue gives the rest. Returns count, or 0 with *code the
 * error (ERR_EXHAUSTED, ERR_NO_SUCH_PID, ERR_QUOTA, ERR_PID_REFUSED,
 * ERR_SERVER: the journal or a system call failed) and s->why the reason
 * (the caller counts the denial). */
unsigned server_grant_n(struct server *s, const struct client *c, long long pid,
                        unsigned count, const char *const *names,
                        const uint16_t *prefer, unsigned nprefer,
                        unsigned *ports, enum proto_err *code);
/* Undo a grant whose reply could not be sent. */
void server_ungrant(struct server *s, unsigned port);
/* End the lease of port early (v1 release); the port is probed before it
 * is free again. */
void server_release(struct server *s, unsigned port);
/* Register the timers of server.c: reclaim retries, polling, fsync, the
 * pid map. */
void server_timers(struct server *s);
/* Restore a lease read from the journal if its owner lives on (a
 * journal_load callback, arg the server). Returns 0. */
int server_restore(void *arg, unsigned port, pid_t pid, uint64_t start,
                   uid_t uid, const char *name);
/* Log the counters. */
void server_stats(struct server *s, const char *when);


/* ---- serve/server_metrics.c ---- */

/* The metrics now, as OpenMetrics text (metrics_format) into buf; its
 * length, or -1 when it does not fit. */
int server_metrics_format(struct server *s, char *buf, size_t len);
/* Rewrite --metrics-file (a timer_fn, data the server): a failure is
 * logged and counted, and retried at the next turn. */
int64_t metrics_file_timer(struct loop *l, void *data);
/* Remove --metrics-file at shutdown: a stopped server has no metrics. */
void metrics_file_remove(struct server *s);

/* ---- answer.c ---- */

/* Room for any one line a formatter writes: a pick of PROTO_MAX_PORTS
 * ports (~6 KB), or a lease line with a long escaped command. */
#define REPLY_ROOM 8192

/* A reply: text (len bytes of cap) and the ports a pick granted, to undo
 * if the reply cannot be sent; or a refusal (code, why). text starts as
 * the caller's REPLY_ROOM bytes (or NULL), so a reply of one line costs no
 * malloc; heap: it outgrew them and is malloc'd (the caller frees it).
 * legacy: the request was a bare pid, so a refusal is a close without a
 * word. failed: out of memory on the way. */
struct reply {
    char *text;
    size_t len, cap;
    bool heap, legacy, failed, refused;
    bool wait;          /* no reply yet: the pick waits for the pid map */
    bool leases;        /* text is the head of a leases reply of count lines:
                         * the lines follow by answer_leases_more */
    size_t count;
    enum proto_err code;
    char why[160];
    unsigned nports;
    unsigned ports[PROTO_MAX_PORTS];
};

/* Mark out refused with code and a reason (printf-style). */
void reply_refuse(struct reply *out, enum proto_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The one dispatch: answer request r of c into out; r is not read when out
 * is refused already (framing or parsing failed). Refusals are counted and
 * logged here, once. */
void answer(struct server *s, const struct client *c, const struct request *r,
            struct reply *out);

/* Write the next lease lines of c's leases reply into c->buf, from the
 * leased port after c->cursor, as many as fit whole (at most
 * c->lines_left), advancing both; when the leases run out before
 * lines_left does, an empty line ends the reply. Returns the bytes written:
 * 0 when the reply is complete. */
size_t answer_leases_more(struct server *s, struct client *c);

/* Run the server until SIGTERM/SIGINT. Returns an exit code. */
int serve_run(const struct serve_opts *opts);

#endif
