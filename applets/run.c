/* SPDX-License-Identifier: Apache-2.0 */
/* run.c: pick ports, bind them, and exec a command that inherits the bound
 * sockets by systemd's socket activation protocol (sd_listen_fds(3)), so no
 * other program can take a port between its pick and its use. */
#include "applets/applets.h"
#include "portpicker.h"

/* The sockets and NAMEs one run passes. */
#define RUN_MAX_NAMES 16

static const char usage[] =
"usage: portpicker run [OPTIONS] -- COMMAND [ARG...]\n"
"\n"
"Pick a port for each NAME, bind it, and exec COMMAND with the sockets at\n"
"fd 3, 4, ... in the order given, as systemd socket activation does:\n"
"LISTEN_FDS, LISTEN_PID (COMMAND's pid), LISTEN_FDNAMES (the NAMEs, colon-\n"
"separated), and NAME_PORT=PORT for every NAME. No other descriptor above 2\n"
"is inherited. With PORTSERVER_ADDRESS set (or --server), the ports are one\n"
"lease owned by COMMAND, which ends when COMMAND exits; otherwise they are\n"
"probed here.\n"
"\n"
"      --tcp NAME    a TCP socket, bound and listening (repeatable)\n"
"      --udp NAME    a UDP socket, bound (repeatable)\n"
"  -e, --env NAME    a port for NAME_PORT only, no socket: COMMAND binds it\n"
"                    itself, so another program may take it first (repeatable)\n"
"      --backlog N   the TCP sockets' listen backlog (default: the system's most)\n"
"      --host ADDR   bind the numeric address ADDR (default: the wildcard,\n"
"                    IPv6 and IPv4 on one socket where the host has IPv6)\n"
"  -4, --ipv4        bind IPv4 only\n"
"  -6, --ipv6        bind IPv6 only\n"
SERVER_OPTION_USAGE
COMMON_OPTION_USAGE("     ")
"\n"
"A NAME is " PROTO_NAME_RULE ".\n"
"At most " PROTO_STR(RUN_MAX_NAMES) " NAMEs. COMMAND runs in place of "
"portpicker (same pid,\nsignals and exit status).\n"
"Exit codes, before COMMAND runs (then its own):\n";

static const int exits[] = {
    RC_USAGE, RC_SYSTEM, RC_EXHAUSTED, RC_REFUSED, RC_UNREACHABLE, RC_TIMEOUT,
    RC_BAD_REPLY, RC_UNSUPPORTED, RC_SERVER_FAILED, RC_CANNOT_EXEC,
    RC_NO_APPLET, -1,
};

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { KIND_TCP, KIND_UDP, KIND_ENV };

enum { OPT_RUN_TCP = 1, OPT_RUN_UDP, OPT_RUN_ENV, OPT_BACKLOG };

static const struct option_spec specs[] = {
    {"tcp", 0, ARG_REQUIRED, OPT_RUN_TCP},
    {"udp", 0, ARG_REQUIRED, OPT_RUN_UDP},
    {"env", 'e', ARG_REQUIRED, OPT_RUN_ENV},
    {"backlog", 0, ARG_REQUIRED, OPT_BACKLOG},
    {"ipv4", '4', ARG_NONE, OPT_IPV4},
    {"ipv6", '6', ARG_NONE, OPT_IPV6},
    {"host", 0, ARG_REQUIRED, OPT_HOST},
    SERVER_OPTION_SPECS,
    {0, 0, 0, 0},
};

static struct {
    struct probe_opts probe;    /* what free means, and where to bind */
    struct server_opts server;
    int backlog;
    bool dual_stack;            /* one IPv6 socket takes IPv4 too */
    char *names[RUN_MAX_NAMES];
    enum kind kinds[RUN_MAX_NAMES];
    unsigned ports[RUN_MAX_NAMES];
    int fds[RUN_MAX_NAMES];     /* the sockets, in the order given */
    unsigned nnames, nfds;
    char **command;
} TT;

static void add_kind(enum kind kind, const char *name)
{
    add_name(TT.names, &TT.nnames, RUN_MAX_NAMES, name);
    TT.kinds[TT.nnames - 1] = kind;
}

/* Everything after "--" is the command; a word before it is a mistake. */
static void take_command(struct args *a)
{
    if (!a->only_positional)
        die(RC_USAGE, "%s: the command goes after '--' (see --help)",
            QUOTED(a->value));
    TT.command = a->argv + a->next - 1;
}

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv, usage, exits);
    probe_args_init(&TT.probe);
    server_args_init(&TT.server);
    /* The most the kernel allows (net.core.somaxconn, which caps any
     * larger backlog), not libc's SOMAXCONN: musl's is 128, Linux's
     * default 4096. */
    TT.backlog = INT_MAX;
    while (!TT.command && (id = args_next(&a, specs)) != ARGS_END) {
        if (probe_args_take(&TT.probe, id, a.value) ||
            server_args_take(&TT.server, id, a.value))
            continue;
        switch (id) {
        case OPT_RUN_TCP: add_kind(KIND_TCP, a.value); break;
        case OPT_RUN_UDP: add_kind(KIND_UDP, a.value); break;
        case OPT_RUN_ENV: add_kind(KIND_ENV, a.value); break;
        case OPT_BACKLOG:
            TT.backlog = (int)parse_arg("--backlog", a.value, 10, 1, 65535);
            break;
        case ARGS_POSITIONAL: take_command(&a); break;
        }
    }
    if (!TT.command)
        die(RC_USAGE, "no command: give one after '--' (see --help)");
    if (TT.nnames == 0)
        die(RC_USAGE, "nothing to pick: give --tcp, --udp or --env NAME");
    server_args_finish(&TT.server);
    /* No family named (or both), no --host: one IPv6 socket serves both.
     * probe_args_finish then makes free mean what it means for pick. */
    TT.dual_stack = !TT.probe.has_host && TT.probe.ipv4 == TT.probe.ipv6;
    probe_args_finish(&TT.probe);
}

/* A socket of kind bound to port, listening if TCP, or -1 with errno set.
 * A leased port is bound with SO_REUSEADDR: the lease is the guarantee, and
 * a previous owner's TIME_WAIT connections must not stand in the way. A port
 * probed here is bound without it, so the bind itself proves that nobody,
 * not even another SO_REUSEADDR socket, holds it; TCP sockets get the option
 * once they listen, as servers expect. UDP never does: it would let any
 * SO_REUSEADDR socket share the port and take its datagrams. */
static int bind_port(enum kind kind, unsigned port, bool leased)
{
    int family = TT.probe.has_host ? TT.probe.host_family
                 : TT.probe.ipv6 ? AF_INET6 : AF_INET;
    int type = kind == KIND_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket_cloexec(family, type, false);
    if (fd < 0 && family == AF_INET6 && TT.dual_stack &&
        (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        TT.probe.ipv6 = false;
        return bind_port(kind, port, leased);
    }
    if (fd < 0)
        return -1;
    int one = 1, v6only = !TT.dual_stack;
    bool reuse = kind == KIND_TCP;
    struct sockaddr_storage sa;
    socklen_t len = make_sockaddr(&sa, family, TT.probe.has_host ?
                                  TT.probe.host_addr : NULL, port);
    if ((family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) ||
        (reuse && leased &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
        bind(fd, (struct sockaddr *)&sa, len) < 0 ||
        (type == SOCK_STREAM && listen(fd, TT.backlog) < 0) ||
        (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)) {
        return close_keep_errno(fd);
    }
    return fd;
}

static bool port_taken(unsigned port, unsigned before)
{
    for (unsigned i = 0; i < before; i++)
        if (TT.ports[i] == port)
            return true;
    return false;
}

/* Without a server: for each NAME, a port that probes free and, for a
 * socket, binds; a port lost to a concurrent binder in between is skipped. */
static void pick_locally(void)
{
    static struct port_ranges pool;
    char why[160];
    ssize_t got = ranges_candidates(&pool, NULL, NULL, why, sizeof(why), NULL);
    if (got < 0)
        die_errno(RC_SYSTEM, "%s", why);
    if (got == 0)
        die(RC_EXHAUSTED, "%s", why);
    size_t n = (size_t)got;

    for (unsigned i = 0; i < TT.nnames; i++) {
        struct ranges_cursor at = ranges_at(&pool, random_below((uint32_t)n));
        size_t tried = 0;
        for (; tried < n; tried++, ranges_next(&pool, &at)) {
            unsigned port = at.port;
            if (port_taken(port, i))
                continue;
            enum probe_result r = probe_port(&TT.probe, port, why, sizeof(why));
            if (r == PROBE_ERROR)
                die_errno(RC_SYSTEM, "probing port %u: %s", port, why);
            if (r == PROBE_IN_USE)
                continue;
            if (TT.kinds[i] != KIND_ENV &&
                (TT.fds[TT.nfds] = bind_port(TT.kinds[i], port, false)) < 0) {
                if (errno == EADDRINUSE)
                    continue;
                die_errno(RC_SYSTEM, "binding port %u for %s", port, TT.names[i]);
            }
            TT.nfds += TT.kinds[i] != KIND_ENV;
            TT.ports[i] = port;
            break;
        }
        if (tried == n)
            die(RC_EXHAUSTED, "no free port for %s (all %zu candidates probed)",
                TT.names[i], n);
    }
}

/* With a server: one lease for every NAME, owned by this pid, which exec
 * hands on to the command. */
static void pick_from_server(void)
{
    char err[ASK_ERR_SIZE];
    int rc = ask_pick(TT.server.address, getpid(), TT.nnames, TT.names,
                      TT.nnames, NULL, 0, TT.ports, TT.server.timeout, err,
                      sizeof(err));
    if (rc != RC_OK)
        die(rc, "%s", err);
    for (unsigned i = 0; i < TT.nnames; i++) {
        if (TT.kinds[i] == KIND_ENV)
            continue;
        if ((TT.fds[TT.nfds++] = bind_port(TT.kinds[i], TT.ports[i], true)) < 0)
            die_errno(RC_SYSTEM, "binding port %u for %s, leased by the server",
                      TT.ports[i], TT.names[i]);
    }
}

static void set_env(const char *name, const char *value)
{
    if (setenv(name, value, 1) < 0)
        die_errno(RC_SYSTEM, "setenv %s", name);
}

/* NAME_PORT for every NAME; the LISTEN_* variables when sockets are
 * passed, and none (not even inherited ones) when not. */
static void export_env(void)
{
    char var[PROTO_NAME_MAX + 8], value[RUN_MAX_NAMES * (PROTO_NAME_MAX + 1)];
    size_t used = 0;

    for (unsigned i = 0; i < TT.nnames; i++) {
        snprintf(var, sizeof(var), "%s_PORT", TT.names[i]);
        snprintf(value, sizeof(value), "%u", TT.ports[i]);
        set_env(var, value);
    }
    if (TT.nfds == 0) {
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
        return;
    }
    for (unsigned i = 0; i < TT.nnames; i++)
        if (TT.kinds[i] != KIND_ENV)
            used += (size_t)snprintf(value + used, sizeof(value) - used, "%s%s",
                                     used ? ":" : "", TT.names[i]);
    set_env("LISTEN_FDNAMES", value);
    snprintf(value, sizeof(value), "%u", TT.nfds);
    set_env("LISTEN_FDS", value);
    snprintf(value, sizeof(value), "%ld", (long)getpid());
    set_env("LISTEN_PID", value);
}

int run_main(int argc, char **argv)
{
    char why[64];

    parse_args(argc, argv);
    if (TT.server.address)
        pick_from_server();
    else
        pick_locally();
    export_env();
    if (pass_fds(TT.fds, TT.nfds, why, sizeof(why)) < 0)
        die_errno(RC_SYSTEM, "%s", why);
    exec_command(TT.command);
    die_errno(errno == ENOENT ? RC_NO_APPLET : RC_CANNOT_EXEC,
              "cannot run %s", QUOTED(TT.command[0]));
}
