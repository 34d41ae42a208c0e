/* SPDX-License-Identifier: Apache-2.0 */
/* loadgen: drive a port server over python_portpicker's wire protocol.
 *
 * usage: loadgen -a ADDRESS [-c CONNS] [-n MAX] [-t SECONDS] [-o live|dying] [-F] [-w]
 *        loadgen -a ADDRESS -m reclaim [-n SAMPLES] [-s FILE]
 *        loadgen -a ADDRESS -m release -x PORTPICKER [-n SAMPLES]
 *
 * Each request is one connection: send "<pid>\n", read "<port>\n" or EOF
 * (a refusal), close. ADDRESS is @NAME (abstract) or a path.
 *
 * load mode: CONNS threads request in a loop until MAX requests or SECONDS.
 *   -o live   each thread asks for a child forked at start that sleeps until
 *             loadgen exits, so every lease stays held (pools must be large
 *             enough: a live lease is never given back)
 *   -o dying  each request forks a child, asks for it, then kills and reaps
 *             it, so the server has to reclaim one lease per request
 *   -w        after printing, wait for stdin to close before the live
 *             owners die, so the caller can read the server's CPU time and
 *             memory while every lease is still held
 *   -F        first lease the whole pool to live owners (untimed, 16
 *             threads, until the first refusal or error); the timed
 *             requests then measure what a refusal costs on a full pool
 * reclaim mode: a pool of one port. Lease it to child D, check that live
 *   child L is refused, then kill D and time from the kill to the first
 *   request of L that is granted (L asks again at once after each refusal).
 *   -s FILE   a file the server writes when it ends a lease (ours: its
 *             log, which says "pid N exited"): first time from the kill to
 *             that write, before L asks anything, i.e. the reclaim with no
 *             request arriving in between; a write that does not come within
 *             a second ends the run
 * release mode: a pool of one port (ours: v1). A live child L holds it; each
 *   sample gives it back twice: once by running `PORTPICKER release --server
 *   ADDRESS PORT` (a whole process, spawn to reaping), once by sending
 *   "v1 release PORT\n" on a socket (the wire round trip), each time followed
 *   by L asking again at once after each refusal; the time from the start
 *   of the release to L's grant is the port's way back to the pool.
 *
 * Prints one JSON object on stdout. Latency is per request (connect to
 * close); requests/s counts whole iterations, forks included. */
#define _GNU_SOURCE
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILL_CONNS 16
#define MAX_CONNS 256
#define OWNER_STACK 16384

static struct {
    struct sockaddr_un sa;
    socklen_t salen;
    int conns;
    long max;
    double seconds;
    bool dying, fill, reclaim, release, wait_stdin;
    const char *addr;       /* -a, as given */
    const char *client;     /* -x: the portpicker binary of release mode */
    const char *watch;      /* -s: written by the server when a lease ends */
    int inotify;            /* watching watch's directory, or -1 */
    pid_t owners[MAX_CONNS];
    _Alignas(16) char stacks[MAX_CONNS][OWNER_STACK]; /* of the owners */
    int nowners;
    atomic_long issued;     /* requests claimed by threads so far */
    atomic_bool stop;       /* a thread saw a refusal in fill mode */
    double deadline_us;
} G = {.conns = 1, .max = 1000, .seconds = 10, .inotify = -1};

struct worker {
    pthread_t tid;
    int index;
    bool fill;
    long granted, refused, errors;
    struct samples lat;
    _Alignas(16) char stack[OWNER_STACK];   /* of its dying owners */
};

static void usage(void)
{
    fprintf(stderr, "usage: loadgen -a ADDRESS [-c CONNS] [-n MAX] [-t SECONDS] "
                    "[-o live|dying] [-F] [-w]\n"
                    "       loadgen -a ADDRESS -m reclaim [-n SAMPLES] [-s FILE]\n"
                    "       loadgen -a ADDRESS -m release -x PORTPICKER [-n SAMPLES]\n");
    exit(2);
}

static void set_address(const char *addr)
{
    size_t len = strlen(addr);
    if (len == 0 || len >= sizeof(G.sa.sun_path)) {
        fprintf(stderr, "loadgen: address too long or empty: %s\n", addr);
        exit(2);
    }
    G.sa.sun_family = AF_UNIX;
    memcpy(G.sa.sun_path, addr, len);
    if (addr[0] == '@')
        G.sa.sun_path[0] = '\0';    /* abstract: no trailing NUL counted */
    else
        len++;
    G.salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

static int owner_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    while (pause() < 0)
        ;
    return 0;
}

/* A child that sleeps until killed, or until the thread that made it ends,
 * so an interrupted bench leaves no owner behind. It shares our memory
 * (CLONE_VM) and runs on stack, so making one costs what a thread costs,
 * not a fork of every thread's mappings. Returns its pid, or -1. */
static pid_t spawn_owner(char (*stack)[OWNER_STACK])
{
    return clone(owner_main, *stack + OWNER_STACK, CLONE_VM | SIGCHLD, NULL);
}

static void kill_owner(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* One connection: send msg, read the reply into buf (NUL-terminated) until
 * the server closes. Returns the bytes read, or -1 on an error; *us is the
 * time it took, connect to close. */
static ssize_t roundtrip(const char *msg, char *buf, size_t cap, double *us)
{
    double t0 = now_us();
    ssize_t ret = -1;
    size_t len = strlen(msg);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = 60};
    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
        || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0
        || connect(fd, (struct sockaddr *)&G.sa, G.salen) < 0
        || write(fd, msg, len) != (ssize_t)len)
        goto out;
    size_t got = 0;
    ssize_t r;
    while (got < cap - 1 && (r = read(fd, buf + got, cap - 1 - got)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    ret = (ssize_t)got;
out:
    if (fd >= 0)
        close(fd);
    *us = now_us() - t0;
    return ret;
}

/* One request on behalf of owner. Returns the port, 0 when refused (EOF
 * before any byte), -1 on an error; *us is the time it took. */
static int request(pid_t owner, double *us)
{
    char msg[32], buf[32];
    snprintf(msg, sizeof(msg), "%d\n", (int)owner);
    ssize_t got = roundtrip(msg, buf, sizeof(buf), us);
    if (got <= 0)
        return (int)got;
    int port = atoi(buf);
    return buf[got - 1] == '\n' && port > 0 ? port : -1;
}

static bool claim(struct worker *w)
{
    if (w->fill)
        return !atomic_load(&G.stop);
    if (atomic_fetch_add(&G.issued, 1) >= G.max)
        return false;
    return now_us() < G.deadline_us;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    bool dying = G.dying && !w->fill;
    double us;
    while (claim(w)) {
        pid_t owner = dying ? spawn_owner(&w->stack) : G.owners[w->index % G.nowners];
        if (owner < 0) {
            w->errors++;
            continue;
        }
        int port = request(owner, &us);
        if (dying)
            kill_owner(owner);
        if (port > 0)
            w->granted++;
        else if (port == 0)
            w->refused++;
        else
            w->errors++;
        if (port <= 0 && w->fill)
            atomic_store(&G.stop, true);
        if (!w->fill)
            samples_add(&w->lat, us);
    }
    return NULL;
}

/* Runs n workers to completion and sums them into *sum. */
static void run_workers(int n, bool fill, struct worker *sum)
{
    struct worker *ws = calloc((size_t)n, sizeof(*ws));
    if (!ws) {
        perror("loadgen: calloc");
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        ws[i].index = i;
        ws[i].fill = fill;
        if (pthread_create(&ws[i].tid, NULL, work, &ws[i]) != 0) {
            perror("loadgen: pthread_create");
            exit(1);
        }
    }
    for (int i = 0; i < n; i++) {
        pthread_join(ws[i].tid, NULL);
        sum->granted += ws[i].granted;
        sum->refused += ws[i].refused;
        sum->errors += ws[i].errors;
        samples_merge(&sum->lat, &ws[i].lat);
    }
    free(ws);
}

static void load_mode(void)
{
    G.nowners = G.conns > FILL_CONNS ? G.conns : FILL_CONNS;
    for (int i = 0; i < G.nowners; i++)
        if ((G.owners[i] = spawn_owner(&G.stacks[i])) < 0) {
            perror("loadgen: clone");
            exit(1);
        }
    printf("{\"mode\":\"load\",\"conns\":%d,\"owners\":\"%s\"", G.conns,
           G.dying ? "dying" : "live");
    if (G.fill) {
        struct worker fill = {0};
        double t0 = now_us();
        run_workers(FILL_CONNS, true, &fill);
        printf(",\"fill\":{\"granted\":%ld,\"errors\":%ld,\"seconds\":%.3f}",
               fill.granted, fill.errors, (now_us() - t0) / 1e6);
    }
    struct worker sum = {0};
    double t0 = now_us();
    G.deadline_us = t0 + G.seconds * 1e6;
    run_workers(G.conns, false, &sum);
    double secs = (now_us() - t0) / 1e6;
    long done = sum.granted + sum.refused + sum.errors;
    printf(",\"requests\":%ld,\"granted\":%ld,\"refused\":%ld,\"errors\":%ld,"
           "\"seconds\":%.3f,\"rps\":%.1f,", done, sum.granted, sum.refused,
           sum.errors, secs, secs > 0 ? (double)done / secs : 0);
    samples_json(stdout, &sum.lat);
    printf("}\n");
    fflush(stdout);
    char c;
    ssize_t r;
    while (G.wait_stdin
           && ((r = read(STDIN_FILENO, &c, 1)) > 0 || (r < 0 && errno == EINTR)))
        ;
    for (int i = 0; i < G.nowners; i++)
        kill_owner(G.owners[i]);
}

/* Asks for owner until granted, for at most 5 s; returns the port or -1. */
static int request_until_granted(pid_t owner, long *refusals)
{
    double us, deadline = now_us() + 5e6;
    while (now_us() < deadline) {
        int port = request(owner, &us);
        if (port > 0)
            return port;
        (*refusals)++;
    }
    return -1;
}

static void watch_file(void)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", G.watch);
    G.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    /* The directory, not the file: a new file may be renamed over it. */
    if (G.inotify < 0 || inotify_add_watch(G.inotify, dirname(dir),
                                           IN_MODIFY | IN_MOVED_TO | IN_CREATE) < 0) {
        perror("loadgen: inotify");
        exit(1);
    }
}

/* Waits up to timeout_ms for a write to the watched file; returns true if
 * one came. timeout_ms 0 just drains what is pending. */
static bool file_changed(int timeout_ms)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    char path[4096];
    snprintf(path, sizeof(path), "%s", G.watch);
    const char *name = basename(path);
    struct pollfd pfd = {.fd = G.inotify, .events = POLLIN};
    while (poll(&pfd, 1, timeout_ms) > 0) {
        ssize_t len = read(G.inotify, buf, sizeof(buf));
        for (ssize_t off = 0; off < len;) {
            struct inotify_event *ev = (struct inotify_event *)(buf + off);
            if (ev->len && !strcmp(ev->name, name) && timeout_ms)
                return true;
            off += (ssize_t)(sizeof(*ev) + ev->len);
        }
    }
    return false;
}

struct reclaim_stats {
    struct samples grant;   /* kill to L's grant */
    struct samples watched; /* kill to the server's write to FILE (-s) */
    long waits, refusals, errors;
};

/* One reclaim sample into st; false if the server did not behave as a full
 * pool of one. */
static bool reclaim_once(struct reclaim_stats *st)
{
    double us;
    bool ok = false;
    pid_t d = spawn_owner(&G.stacks[0]), l = spawn_owner(&G.stacks[1]);
    if (d < 0 || l < 0) {
        perror("loadgen: clone");
        exit(1);
    }
    /* The previous round's owners died just now: the port may still be
     * held until the server notices. */
    if (request_until_granted(d, &st->waits) < 0 || request(l, &us) != 0) {
        kill_owner(d);
    } else {
        if (G.watch)
            file_changed(0);
        double t0 = now_us();
        kill_owner(d);
        ok = !G.watch || file_changed(1000);
        if (ok && G.watch)
            samples_add(&st->watched, now_us() - t0);
        ok = ok && request_until_granted(l, &st->refusals) > 0;
        if (ok)
            samples_add(&st->grant, now_us() - t0);
    }
    kill_owner(l);
    return ok;
}

static void reclaim_mode(void)
{
    struct reclaim_stats st = {0};
    if (G.watch)
        watch_file();
    /* A server that misbehaves once would cost seconds a sample: stop. */
    for (long i = 0; i < G.max && !st.errors; i++)
        st.errors += !reclaim_once(&st);
    printf("{\"mode\":\"reclaim\",\"refusals_after_death\":%ld,"
           "\"refusals_before_grant\":%ld,\"errors\":%ld,",
           st.refusals, st.waits, st.errors);
    samples_json(stdout, &st.grant);
    if (G.watch) {
        printf(",\"watched\":{");
        samples_json(stdout, &st.watched);
        printf("}");
    }
    printf("}\n");
}

struct release_stats {
    struct samples exec;        /* `portpicker release`, spawn to reaping */
    struct samples exec_grant;  /* its spawn to L's grant of the port */
    struct samples wire;        /* "v1 release", connect to close */
    struct samples wire_grant;  /* its connect to L's grant */
    long refusals, errors;
};

extern char **environ;

/* Runs `G.client release --server G.addr PORT`; returns its wait status. */
static int run_release(int port)
{
    char num[16];
    snprintf(num, sizeof(num), "%d", port);
    char *argv[] = {(char *)G.client, "release", "--server", (char *)G.addr, num, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int status = -1;
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    posix_spawn_file_actions_destroy(&fa);
    return status;
}

/* One release of port by process or on the wire, then L asks until it has
 * the same port again; false if anything went otherwise. */
static bool release_once(struct release_stats *st, pid_t l, int port, bool wire)
{
    char msg[32], buf[64];
    double us, t0 = now_us();
    bool ok;
    if (wire) {
        snprintf(msg, sizeof(msg), "v1 release %d\n", port);
        ok = roundtrip(msg, buf, sizeof(buf), &us) > 0 && !strcmp(buf, "ok\n");
    } else {
        ok = run_release(port) == 0;
        us = now_us() - t0;
    }
    if (!ok)
        return false;
    samples_add(wire ? &st->wire : &st->exec, us);
    if (request_until_granted(l, &st->refusals) != port)
        return false;
    samples_add(wire ? &st->wire_grant : &st->exec_grant, now_us() - t0);
    return true;
}

static void release_mode(void)
{
    struct release_stats st = {0};
    long ignored = 0;
    pid_t l = spawn_owner(&G.stacks[0]);
    if (l < 0) {
        perror("loadgen: clone");
        exit(1);
    }
    int port = request_until_granted(l, &ignored);
    for (long i = 0; i < G.max && !st.errors && port > 0; i++)
        st.errors += !release_once(&st, l, port, false)
                     || !release_once(&st, l, port, true);
    kill_owner(l);
    printf("{\"mode\":\"release\",\"port\":%d,\"refusals_after_release\":%ld,"
           "\"errors\":%ld,\"process\":{", port, st.refusals, st.errors + (port <= 0));
    samples_json(stdout, &st.exec);
    printf("},\"process_to_grant\":{");
    samples_json(stdout, &st.exec_grant);
    printf("},\"wire\":{");
    samples_json(stdout, &st.wire);
    printf("},\"wire_to_grant\":{");
    samples_json(stdout, &st.wire_grant);
    printf("}}\n");
}

int main(int argc, char **argv)
{
    const char *addr = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "a:c:n:t:o:Fm:s:wx:")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'c': G.conns = atoi(optarg); break;
        case 'n': G.max = atol(optarg); break;
        case 't': G.seconds = atof(optarg); break;
        case 'o':
            if (strcmp(optarg, "live") && strcmp(optarg, "dying"))
                usage();
            G.dying = !strcmp(optarg, "dying");
            break;
        case 'F': G.fill = true; break;
        case 's': G.watch = optarg; break;
        case 'w': G.wait_stdin = true; break;
        case 'x': G.client = optarg; break;
        case 'm':
            if (!strcmp(optarg, "reclaim"))
                G.reclaim = true;
            else if (!strcmp(optarg, "release"))
                G.release = true;
            else
                usage();
            break;
        default: usage();
        }
    }
    if (!addr || optind != argc || G.conns < 1 || G.conns > MAX_CONNS
        || G.max < 1 || G.seconds <= 0 || G.release != (G.client != NULL))
        usage();
    G.addr = addr;
    set_address(addr);
    signal(SIGPIPE, SIG_IGN);
    if (G.release)
        release_mode();
    else if (G.reclaim)
        reclaim_mode();
    else
        load_mode();
    return 0;
}
