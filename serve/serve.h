/* serve.h: the port server's parts, bottom-up.
 *
 * log.c     one write(2) per log line, with a level
 * loop.c    an ae-shaped epoll loop: handlers by fd, a few timers
 * owner.c   what /proc says about a process: start time, pid namespace
 * leases.c  the pool: free queue, lease table by port, owners
 * state.c   the lease journal behind --state
 * daemon.c  sockets, activation, pidfile, sd_notify, signals
 * client.c  one connection: read and frame a request, parse it, send the reply
 * answer.c  one dispatch from a request to its reply; refusals counted here
 * server.c  the server: setup, reclaim, timers, signals, teardown
 */
#ifndef SERVE_H
#define SERVE_H

#include "portpicker.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- log.c ---- */

/* LOG_NOTICE: start, stop and counters, which --quiet keeps. */
enum { LOG_ERROR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped: LOG_INFO, LOG_NOTICE with --quiet,
 * LOG_DEBUG with --verbose. */
extern int log_level;

/* Write "portpicker serve: LEVEL: message\n" to stderr in one write(2). */
void slog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- loop.c ---- */

struct loop;
typedef void loop_fn(struct loop *l, int fd, void *data);
typedef void timer_fn(struct loop *l, void *data);

struct handler {
    loop_fn *on_read, *on_write;
    void *data;
};

enum { LOOP_TIMERS = 8 };

struct timer {
    int64_t when;       /* loop_now() milliseconds; 0 means not armed */
    timer_fn *fn;
    void *data;
};

struct loop {
    int epfd;
    bool stop;
    void *ctx;                  /* the program's state, for handlers */
    struct handler *fds;        /* indexed by fd */
    int nfds;
    struct timer timers[LOOP_TIMERS];
    int ntimers;
};

/* Milliseconds on CLOCK_MONOTONIC, never 0. */
int64_t loop_now(void);

/* Returns 0, or -1 with errno set. ctx is left in l->ctx for handlers. */
int loop_init(struct loop *l, void *ctx);
void loop_fini(struct loop *l);

/* Watch fd for reading (on_read) and/or writing (on_write); calling it
 * again for the same fd replaces its handlers. A hang-up or error calls
 * on_read. Returns 0, or -1 with errno set. */
int loop_add(struct loop *l, int fd, loop_fn *on_read, loop_fn *on_write,
             void *data);
/* Stop watching fd (before closing it). */
void loop_del(struct loop *l, int fd);

/* Register a timer; returns its id (0..LOOP_TIMERS-1). It fires once at
 * the time loop_timer_at() sets; re-arm from fn to repeat. */
int loop_timer(struct loop *l, timer_fn *fn, void *data);
void loop_timer_at(struct loop *l, int id, int64_t when);
/* Arm id to fire in ms unless it is armed to fire sooner. */
void loop_timer_within(struct loop *l, int id, int64_t ms);

/* One epoll_wait and its handlers, then the due timers. Returns 0, or -1
 * when epoll_wait failed (errno set; EINTR is not a failure). */
int loop_once(struct loop *l);

/* ---- owner.c ---- */

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22).
 * Returns 0, or -1 with errno set (ENOENT/ESRCH: no such process). */
int proc_start_time(pid_t pid, uint64_t *start);

/* Identity of pid's pid namespace. Returns 0, or -1 with errno set. */
int proc_pidns(pid_t pid, uint64_t *ns);

/* The command line of pid, arguments joined by spaces, in buf (empty when
 * unreadable). */
void proc_cmdline(pid_t pid, char *buf, size_t len);

/* The pid, in our namespace, of the process whose pid in namespace ns is
 * nspid (found through /proc/PID/status NSpid). Returns it, or 0. */
pid_t proc_translate_pid(uint64_t ns, pid_t nspid);

/* pidfd_open(2) through syscall(); -1 with errno ENOSYS before Linux 5.3. */
int pidfd_open_pid(pid_t pid);

/* Kernel boot id, "" when unknown; persisted start times are only
 * comparable within one boot. */
void boot_id(char *buf, size_t len);

/* ---- leases.c ---- */

enum port_state {
    PORT_OUTSIDE = 0,   /* not in the pool */
    PORT_FREE,          /* in the free queue */
    PORT_LEASED,        /* held by an owner */
    PORT_RESTING,       /* in the retry queue: bound by someone else */
    PORT_DYING,         /* its owner died; not yet probed */
};

struct lease {
    uint8_t state;      /* enum port_state */
    uint16_t next;      /* next port of the same owner, 0 at the end */
    uint32_t owner;     /* index into owners when PORT_LEASED */
    uid_t uid;          /* caller that asked for it */
    uint32_t since;     /* loop_now() / 1000 when granted (or restored) */
};

struct owner {
    pid_t pid;          /* in our pid namespace; 0: slot unused */
    int pidfd;          /* -1: watched by polling its start time */
    uint64_t start;     /* /proc start time */
    uint32_t nleases;
    uint16_t first;     /* first leased port, 0 when none */
    uint32_t next_free; /* free list of unused slots */
};

/* FIFO of ports, capacity fixed at the pool size. */
struct ring {
    uint16_t *port;
    size_t cap, head, len;
};

struct uid_count {
    uid_t uid;
    uint32_t count;
};

struct leases {
    struct lease *port;         /* PORT_MAX + 1 entries */
    struct ring free, resting, dying;
    size_t npool;
    struct owner *owners;       /* 1..nslots; index 0 is never used */
    size_t nslots;
    uint32_t owner_free;        /* first unused slot */
    uint32_t *by_pid;           /* open addressing: owner index, 0 empty */
    size_t by_pid_mask;
    struct uid_count *uids;
    size_t nuids;
    size_t nleases, nowners;
    struct probe_opts probe;
    char **name;        /* by port, NULL until the first named lease */
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

/* ---- state.c ---- */

struct journal {
    int fd;             /* -1: no --state */
    const char *path;
    size_t records;     /* records in the file now */
    bool dirty;         /* written since the last fsync */
};

/* Read path (missing is fine) and call add(arg, port, pid, start, uid,
 * name) for each lease it records as live, which add keeps or drops; name
 * is NULL for an unnamed lease. Returns 0, or -1 with a message in err. */
int journal_load(const char *path,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen);

/* Rewrite path with the live leases of ls (temp file, fsync, rename, fsync
 * of the directory) and open it for appending. Returns 0, or -1 with a
 * message in err (the old file is left as it was). */
int journal_compact(struct journal *j, const struct leases *ls, char *err,
                    size_t errlen);

/* Append one record with one write(2): grant ('G'), or end ('R') of a
 * lease whose owner lives on. A death needs no record: at start, leases of
 * dead owners are dropped anyway. Returns 0, or -1 with errno set. */
int journal_grant(struct journal *j, unsigned port, const struct owner *o,
                  uid_t uid, const char *name);
int journal_end(struct journal *j, unsigned port);

/* fsync the journal if anything was written since the last call. */
int journal_sync(struct journal *j);
void journal_close(struct journal *j);

/* ---- daemon.c ---- */

/* Listen on addr: "@name" (abstract) or a path. A path held by a dead
 * server's socket is replaced. Returns the fd, or -1 with a message in err
 * and *rc set (RC_ADDR_IN_USE when a live server answers there). */
int listen_unix(const char *addr, int mode, int *rc, char *err,
                size_t errlen);

/* The socket systemd passed (LISTEN_PID/LISTEN_FDS, fd 3), made
 * non-blocking; -1 when not socket-activated; -2 with a message in err
 * when fd 3 is not a listening AF_UNIX stream socket. */
int listen_activated(char *err, size_t errlen);

/* Tell systemd (NOTIFY_SOCKET) state such as "READY=1"; nothing without
 * NOTIFY_SOCKET. Returns 0, or -1 with errno set. */
int sd_notify_state(const char *state);

/* Write our pid to path. Returns 0, or -1 with errno set. */
int pidfile_write(const char *path);

/* Block SIGTERM, SIGINT and SIGUSR1 and return a signalfd for them;
 * SIGPIPE is ignored. Returns -1 with errno set on failure. */
int signals_fd(void);

/* ---- client.c, server.c ---- */

struct serve_opts {
    const char *address;
    const char *state;
    const char *pidfile;
    struct portset pool;
    int socket_mode;            /* -1: leave as umask made it */
    unsigned max_per_uid;       /* 0: no limit */
    bool no_pidfd;              /* poll start times even if pidfd works */
};

struct stats {
    uint64_t request_errors, denied, checked_last, allocations;
    uint64_t reclaimed, outsiders, polled_owners;
};

struct client {
    int fd;
    pid_t peer_pid;     /* SO_PEERCRED, in our namespace (0: unknown) */
    uid_t uid;
    size_t len;
    int64_t deadline;
    struct client *prev, *next;
    char *out;          /* a long reply being written, or NULL */
    size_t out_len, out_off;
    char buf[PROTO_REQUEST_MAX + 2];   /* a line, its newline, one byte more */
};

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
    uint64_t pidns;             /* ours */
    struct client *first, *last;/* in accept order = deadline order */
    size_t nclients;
    int t_clients, t_listen, t_retry, t_settle, t_poll, t_sync;
    char why[160];              /* why the last request was denied */
};

/* File descriptors kept free for probes, /proc and the state file: the
 * listener pauses when an accepted fd reaches fd_limit - FD_HEADROOM. */
#define FD_HEADROOM 16

/* Milliseconds a client has to send its request. */
#define CLIENT_TIMEOUT_MS 3000

/* Accept connections on the listening socket (a loop_fn). */
void client_accept(struct loop *l, int fd, void *data);
/* Drop clients whose time is up (a timer_fn). */
void client_expire(struct loop *l, void *data);
/* Close every client (at shutdown). */
void client_close_all(struct server *s);
/* Resume accepting after a pause (a timer_fn, data the server). */
void listen_timer(struct loop *l, void *data);

/* Grant count ports to the owner named by pid, all or none, named by
 * names (NULL: unnamed); the heart of a request. Returns count, or 0 with
 * *code the error (ERR_EXHAUSTED, ERR_NO_SUCH_PID, ERR_QUOTA) and s->why
 * the reason (the caller counts the denial). */
unsigned server_grant_n(struct server *s, const struct client *c, long long pid,
                        unsigned count, const char *const *names,
                        unsigned *ports, enum proto_err *code);
/* Undo a grant whose reply could not be sent. */
void server_ungrant(struct server *s, unsigned port);
/* End the lease of port early (v1 release); the port is probed before it
 * is free again. */
void server_release(struct server *s, unsigned port);
/* Register the timers of server.c: reclaim retries, polling, fsync. */
void server_timers(struct server *s);
/* Restore a lease read from the journal if its owner lives on (a
 * journal_load callback, arg the server). Returns 0. */
int server_restore(void *arg, unsigned port, pid_t pid, uint64_t start,
                   uid_t uid, const char *name);
/* Log the counters. */
void server_stats(struct server *s, const char *when);

/* ---- answer.c ---- */

/* A reply: text (malloc'd, len bytes) and the ports a pick granted, to
 * undo if the reply cannot be sent; or a refusal (code, why). legacy: the
 * request was a bare pid, so a refusal is a close without a word.
 * failed: out of memory on the way. */
struct reply {
    char *text;
    size_t len, cap;
    bool legacy, failed, refused;
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

/* Run the server until SIGTERM/SIGINT. Returns an exit code. */
int serve_run(const struct serve_opts *opts);

#endif
