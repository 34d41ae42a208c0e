/* SPDX-License-Identifier: Apache-2.0 */
/* floor: the physical limits the bench compares against, and its process timer.
 *
 * usage: floor                          exit 0 at once (the static no-op)
 *        floor spawn RUNS WARMUP CMD [ARG...]
 *        floor repeat K RUNS WARMUP CMD [ARG...]
 *        floor pair RUNS WARMUP CMD [ARG...]
 *        floor probe RUNS [SOCKETS]
 *        floor serve ADDRESS [watch] [probe]
 *
 * spawn  runs CMD RUNS times after WARMUP untimed runs, one after the other,
 *        stdout and stderr to /dev/null, timing each from posix_spawn to its
 *        reaping: a whole process, as a shell or a test runner pays for it.
 * repeat the same, but each sample is K runs of CMD in a row, from the
 *        first posix_spawn to the last reaping (a script that needs K ports
 *        and can only ask for one per process).
 * pair   like spawn, but each run of CMD follows a run of a static no-op
 *        ($FLOOR_NOOP, else this binary with no arguments), timed the same
 *        way into "floor": the two share every burst of other work on a
 *        busy machine.
 * probe  times one full probe of a free port RUNS times: TCP (bind, listen)
 *        and UDP bind, each socket closed; SOCKETS 4 (the default) probes
 *        the IPv6 and the IPv4 wildcard apart, 2 each protocol once on a
 *        dual-stack socket (IPv6 wildcard, IPV6_V6ONLY off): the least CPU
 *        a server can spend checking a port before a grant.
 * serve  the connection floor: a server on the unix socket ADDRESS (@NAME:
 *        abstract) that does the least any server of python_portpicker's
 *        protocol must do per request, one connection each: accept4, read
 *        the request, send a reply ("1\n", which bench/loadgen counts as a
 *        grant), close, and its share of an epoll_wait. As ./portpicker
 *        serve does, it reads at once after accept and watches a connection
 *        only when its request is not in yet. Runs until SIGTERM; its CPU
 *        time is read from outside (/proc/PID/schedstat). With watch, it
 *        also does the least a server must to take a lease back when its
 *        owner dies: a pidfd_open of the pid asked for, its epoll_ctl, and
 *        its close once epoll says the process exited (the watching floor).
 *        With probe, each reply also waits for one probe as probe RUNS 2
 *        makes it (the serving floor): the least a server that checks a
 *        port before each grant spends, its probe paying what a probe costs
 *        among a server's other work rather than in a loop of its own.
 *
 * spawn, repeat and pair also report each run's CPU time (user + system,
 * from wait4) as "cpu" and its page faults (minor and major) as "faults",
 * beside the wall-clock figures.
 *
 * Prints one JSON object on stdout; times are in microseconds. */
#define _GNU_SOURCE
#include "stats.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void usage(void)
{
    fprintf(stderr, "usage: floor [spawn RUNS WARMUP CMD [ARG...] | "
                    "repeat K RUNS WARMUP CMD [ARG...] | pair RUNS WARMUP CMD [ARG...] | "
                    "probe RUNS [4|2] | serve ADDRESS [watch] [probe]]\n");
    exit(2);
}

/* What a run cost beside its wall-clock time, from wait4's rusage. */
struct cost {
    double cpu_us;      /* user + system */
    double faults;      /* page faults, minor and major */
};

/* Runs argv once, adding its cost to *cost; returns its wait status, or -1
 * if it could not start. */
static int run_once(char **argv, const posix_spawn_file_actions_t *fa,
                    struct cost *cost)
{
    pid_t pid;
    int status;
    struct rusage ru;
    if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0)
        return -1;
    while (wait4(pid, &status, 0, &ru) < 0)
        ;
    cost->cpu_us += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    cost->faults += (double)(ru.ru_minflt + ru.ru_majflt);
    return status;
}

struct cost_samples {
    struct samples cpu, faults;
};

static void cost_add(struct cost_samples *s, const struct cost *c)
{
    samples_add(&s->cpu, c->cpu_us);
    samples_add(&s->faults, c->faults);
}

static void cost_json(struct cost_samples *s)
{
    printf(",\"cpu\":{");
    samples_json(stdout, &s->cpu);
    /* Counts, not microseconds. */
    struct samples *f = &s->faults;
    qsort(f->v, f->n, sizeof(*f->v), cmp_double);
    printf("},\"faults\":{\"min\":%.0f,\"p50\":%.0f,\"max\":%.0f}",
           samples_pct(f, 0), samples_pct(f, 50), f->n ? f->v[f->n - 1] : 0);
}

static int spawn_main(long repeat, long runs, long warmup, char **argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    struct samples s = {0};
    struct cost_samples cs = {0};
    long failed = 0;
    for (long i = 0; i < warmup + runs; i++) {
        double t0 = now_us();
        struct cost c = {0};
        int status = 0;
        for (long k = 0; k < repeat && status == 0; k++)
            status = run_once(argv, &fa, &c);
        double us = now_us() - t0;
        if (status != 0)
            failed++;
        else if (i >= warmup) {
            samples_add(&s, us);
            cost_add(&cs, &c);
        }
    }
    printf("{\"failed\":%ld,", failed);
    samples_json(stdout, &s);
    cost_json(&cs);
    printf("}\n");
    return failed == warmup + runs;
}

static int pair_main(long runs, long warmup, char **argv)
{
    /* The no-op: $FLOOR_NOOP (the musl one), else this binary. */
    char self[] = "/proc/self/exe";
    char *noop[] = {getenv("FLOOR_NOOP") ? getenv("FLOOR_NOOP") : self, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    struct samples s = {0}, fl = {0};
    struct cost_samples cs = {0}, flcs = {0};
    long failed = 0;
    for (long i = 0; i < warmup + runs; i++) {
        struct cost c0 = {0}, c1 = {0};
        double t0 = now_us();
        int status = run_once(noop, &fa, &c0);
        double t1 = now_us();
        status |= run_once(argv, &fa, &c1);
        double t2 = now_us();
        if (status != 0)
            failed++;
        else if (i >= warmup) {
            samples_add(&fl, t1 - t0);
            samples_add(&s, t2 - t1);
            cost_add(&flcs, &c0);
            cost_add(&cs, &c1);
        }
    }
    printf("{\"failed\":%ld,", failed);
    samples_json(stdout, &s);
    cost_json(&cs);
    printf(",\"floor\":{");
    samples_json(stdout, &fl);
    cost_json(&flcs);
    printf("}}\n");
    return failed == warmup + runs;
}

/* socket, bind (and listen for TCP), close: returns true if it bound. An
 * AF_INET6 socket is IPv6-only unless dual. */
static bool bind_close(int family, int type, unsigned port, bool dual)
{
    struct sockaddr_storage sa = {0};
    socklen_t len;
    int one = 1;
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof(*in6);
    }
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    if (dual)
        one = 0;
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    bool ok = bind(fd, (struct sockaddr *)&sa, len) == 0
              && (type != SOCK_STREAM || listen(fd, 1) == 0);
    close(fd);
    return ok;
}

/* A port the kernel says is free for TCP on IPv6, or 0. */
static unsigned free_port(void)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    socklen_t len = sizeof(in6);
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&in6, len) < 0
        || getsockname(fd, (struct sockaddr *)&in6, &len) < 0)
        len = 0;
    if (fd >= 0)
        close(fd);
    return len ? ntohs(in6.sin6_port) : 0;
}

static int probe_main(long runs, long sockets)
{
    static const int families[] = {AF_INET6, AF_INET};
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    unsigned port = free_port();
    struct samples s = {0};
    long busy = 0;
    bool dual = sockets == 2;
    for (long i = 0; i < runs; i++) {
        bool free = true;
        double t0 = now_us();
        for (int f = 0; f < (dual ? 1 : 2); f++)
            for (int t = 0; t < 2; t++)
                free = bind_close(families[f], types[t], port, dual) && free;
        samples_add(&s, now_us() - t0);
        busy += !free;
    }
    printf("{\"port\":%u,\"sockets\":%ld,\"busy\":%ld,", port, sockets, busy);
    samples_json(stdout, &s);
    printf("}\n");
    return 0;
}

/* An epoll key: the fd, and whether it is an owner's pidfd. */
#define PIDFD_KEY (1ull << 32)

/* What a serve floor does per request beyond the connection: watch the
 * pid asked for; probe port (0: none) before the reply. */
struct serve_opts {
    bool watch;
    unsigned probe;
};

/* Answer the request on fd if it is in: true when fd is done with
 * (answered and closed, or gone), false when it must wait for it. With
 * watch, the pid it names is watched in ep through its pidfd (one that
 * cannot be opened is not: the floor has no refusal). */
static bool conn_answer(int fd, int ep, const struct serve_opts *o)
{
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    if (n < 0 && errno == EAGAIN)
        return false;
    if (n > 0 && o->watch) {
        buf[n] = '\0';
        int pidfd = (int)syscall(SYS_pidfd_open, atoi(buf), 0);
        struct epoll_event pev = {.events = EPOLLIN,
                                  .data.u64 = PIDFD_KEY | (uint32_t)pidfd};
        if (pidfd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &pev) < 0)
            close(pidfd);
    }
    if (n > 0 && o->probe) {
        /* Its answer does not matter: the floor grants whatever it finds. */
        bind_close(AF_INET6, SOCK_STREAM, o->probe, true);
        bind_close(AF_INET6, SOCK_DGRAM, o->probe, true);
    }
    if (n > 0)
        send(fd, "1\n", 2, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
    return true;
}

static int serve_main(const char *addr, const struct serve_opts *o)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(addr);
    if (len == 0 || len >= sizeof(sa.sun_path))
        usage();
    memcpy(sa.sun_path, addr, len);
    if (addr[0] == '@')
        sa.sun_path[0] = '\0';
    else
        len++;
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)lfd};
    if (lfd < 0 || ep < 0 || bind(lfd, (struct sockaddr *)&sa, salen) < 0
        || listen(lfd, 128) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        perror("floor serve");
        return 1;
    }
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = (int)(uint32_t)evs[i].data.u64;
            if (evs[i].data.u64 & PIDFD_KEY) {
                close(fd);                      /* its owner exited */
                continue;
            }
            if (fd != lfd) {
                conn_answer(fd, ep, o);     /* its close leaves epoll */
                continue;
            }
            int cfd;
            while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                struct epoll_event cev = {.events = EPOLLIN, .data.u64 = (uint32_t)cfd};
                if (!conn_answer(cfd, ep, o) && epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev) < 0)
                    close(cfd);
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return 0;
    if (!strcmp(argv[1], "spawn") && argc >= 5)
        return spawn_main(1, atol(argv[2]), atol(argv[3]), argv + 4);
    if (!strcmp(argv[1], "repeat") && argc >= 6 && atol(argv[2]) > 0)
        return spawn_main(atol(argv[2]), atol(argv[3]), atol(argv[4]), argv + 5);
    if (!strcmp(argv[1], "pair") && argc >= 5)
        return pair_main(atol(argv[2]), atol(argv[3]), argv + 4);
    if (!strcmp(argv[1], "probe") && argc == 3)
        return probe_main(atol(argv[2]), 4);
    if (!strcmp(argv[1], "probe") && argc == 4 && (atol(argv[3]) == 2 || atol(argv[3]) == 4))
        return probe_main(atol(argv[2]), atol(argv[3]));
    if (!strcmp(argv[1], "serve") && argc >= 3 && argc <= 5) {
        struct serve_opts o = {0};
        bool probe = false;
        for (int i = 3; i < argc; i++) {
            if (!strcmp(argv[i], "watch") && !o.watch)
                o.watch = true;
            else if (!strcmp(argv[i], "probe") && !probe)
                probe = true;
            else
                usage();
        }
        if (probe && !(o.probe = free_port())) {
            perror("floor serve: a free port to probe");
            return 1;
        }
        return serve_main(argv[2], &o);
    }
    usage();
}
