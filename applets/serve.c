/* SPDX-License-Identifier: Apache-2.0 */
/* serve.c: the port server, wire-compatible with python_portpicker's
 * portserver.py. The daemon itself lives in serve/. */
#include "applets/applets.h"
#include "portpicker.h"
#include "serve/log.h"
#include "serve/run.h"

static const char usage[] =
"usage: portpicker serve [OPTIONS]\n"
"\n"
"Hand out ports from a pool to clients on a unix socket, one per request,\n"
"leased to the process named in the request until that process exits and\n"
"the port is free again. Wire-compatible with python_portpicker's\n"
"portserver.py: clients set PORTSERVER_ADDRESS to ADDR.\n"
"\n"
"  -a, --address ADDR   listen on ADDR: @NAME (Linux abstract socket) or a\n"
"                       socket path (default " PORTPICKER_DEFAULT_ADDRESS ")\n"
"      --portserver_address ADDR, --portserver_unix_socket_address ADDR\n"
"                       the same, as portserver.py spells it\n"
"  -p, --pool LIST      ports to hand out: LO-HI or PORT, comma-separated,\n"
"                       repeatable (default " DEFAULT_POOL ")\n"
"      --portserver_static_pool LIST  the same, as portserver.py spells it\n"
"      --state FILE     keep leases in FILE across restarts and crashes\n"
"      --pidfile FILE   write the server's pid to FILE\n"
"      --metrics-file FILE  rewrite FILE every 5 s with the server's metrics\n"
"                       (OpenMetrics text, for node_exporter's textfile\n"
"                       collector: name it *.prom in its directory)\n"
"      --socket-mode MODE  octal permissions of a socket path (e.g. 660)\n"
"      --max-leases-per-uid N  leases one user may hold at once (0: no limit;\n"
"                       default half the pool, root exempt)\n"
"      --max-connections-per-uid N  connections one user may hold open (0: no\n"
"                       limit; default a quarter of the fd limit, at most\n"
"                       " PROTO_STR(PORTPICKER_CONNS_PER_UID_MAX) ", root exempt);\n"
"                       at the limit its own oldest idle one is closed\n"
"      --no-pidfd       watch owners by polling /proc each second, as on\n"
"                       kernels without pidfd_open (before Linux 5.3)\n"
"  -q, --quiet          log only start, stop, counters, warnings, errors\n"
"  -v, --verbose        also log debug lines and each owner's command line\n"
"      --debug          the same as --verbose, as portserver.py spells it\n"
COMMON_OPTION_USAGE("        ")
"\n"
"A connection that sends no request within "
PROTO_STR(PORTPICKER_IDLE_TIMEOUT_S) " s is closed.\n"
"Signals: USR1 logs the counters; TERM and INT stop, saving the state.\n"
"Metrics: portpicker check --metrics asks a running server (v1 metrics).\n"
"Exit codes (0: stopped by a signal):\n";

static const int exits[] = {RC_OK, RC_USAGE, RC_SYSTEM, RC_ADDR_IN_USE, -1};

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

const bool have_serve = true; /* applets/serve_none.c off Linux */

enum {
    OPT_ADDRESS = 1, OPT_POOL, OPT_STATE, OPT_PIDFILE, OPT_MODE,
    OPT_MAX_UID, OPT_MAX_CONNS, OPT_NO_PIDFD, OPT_QUIET, OPT_VERBOSE,
    OPT_METRICS_FILE,
};

static const struct option_spec specs[] = {
    {"address", 'a', ARG_REQUIRED, OPT_ADDRESS},
    {"portserver_address", 0, ARG_REQUIRED, OPT_ADDRESS},
    {"portserver_unix_socket_address", 0, ARG_REQUIRED, OPT_ADDRESS},
    {"pool", 'p', ARG_REQUIRED, OPT_POOL},
    {"portserver_static_pool", 0, ARG_REQUIRED, OPT_POOL},
    {"state", 0, ARG_REQUIRED, OPT_STATE},
    {"pidfile", 0, ARG_REQUIRED, OPT_PIDFILE},
    {"metrics-file", 0, ARG_REQUIRED, OPT_METRICS_FILE},
    {"socket-mode", 0, ARG_REQUIRED, OPT_MODE},
    {"max-leases-per-uid", 0, ARG_REQUIRED, OPT_MAX_UID},
    {"max-connections-per-uid", 0, ARG_REQUIRED, OPT_MAX_CONNS},
    {"no-pidfd", 0, ARG_NONE, OPT_NO_PIDFD},
    {"quiet", 'q', ARG_NONE, OPT_QUIET},
    {"verbose", 'v', ARG_NONE, OPT_VERBOSE},
    {"debug", 0, ARG_NONE, OPT_VERBOSE},
    {0, 0, 0, 0},
};

static struct {
    struct serve_opts o;
    bool has_pool, quiet, verbose;
} TT;

static void add_pool(const char *spelled, const char *text)
{
    char err[160];
    if (!TT.has_pool)
        portset_clear(&TT.o.pool);
    TT.has_pool = true;
    if (portset_parse(&TT.o.pool, text, err, sizeof(err)) < 0)
        die(RC_USAGE, "%s: %s", spelled, err);
}

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv, usage, exits);
    TT.o.address = PORTPICKER_DEFAULT_ADDRESS;
    TT.o.socket_mode = -1;
    TT.o.max_per_uid = TT.o.max_conns_per_uid = -1;
    portset_add(&TT.o.pool, PORTPICKER_DEFAULT_POOL_LO,
                PORTPICKER_DEFAULT_POOL_HI);
    while ((id = args_next(&a, specs)) != ARGS_END) {
        switch (id) {
        case OPT_ADDRESS: TT.o.address = a.value; break;
        case OPT_POOL: add_pool(a.spelled, a.value); break;
        case OPT_STATE: TT.o.state = a.value; break;
        case OPT_PIDFILE: TT.o.pidfile = a.value; break;
        case OPT_METRICS_FILE: TT.o.metrics_file = a.value; break;
        case OPT_MODE:
            TT.o.socket_mode = (int)parse_arg(a.spelled, a.value, 8, 0, 0777);
            break;
        case OPT_MAX_UID:
            TT.o.max_per_uid = (long)parse_arg(a.spelled, a.value, 10, 0, 65535);
            break;
        case OPT_MAX_CONNS:
            TT.o.max_conns_per_uid =
                (long)parse_arg(a.spelled, a.value, 10, 0, INT_MAX);
            break;
        case OPT_NO_PIDFD: TT.o.no_pidfd = true; break;
        case OPT_QUIET: TT.quiet = true; break;
        case OPT_VERBOSE: TT.verbose = true; break;
        default: die(RC_USAGE, "unexpected argument %s", QUOTED(a.value));
        }
    }
}

/* A file the daemon will name in its log lines: one line each, so no
 * control character nor invalid UTF-8 (unix_address says the same of
 * --address). */
static void check_file_name(const char *option, const char *name)
{
    if (name && !name[0])
        die(RC_USAGE, "%s: empty file name", option);
    const char *why = name ? unprintable(name) : NULL;
    if (why)
        die(RC_USAGE, "%s: %s %s", option, QUOTED(name), why);
}

/* Do two options name one file: the same text, or paths to one existing
 * file (a failed stat: nothing there yet, or nothing to tell, so no)? */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b)
        return false;
    return !strcmp(a, b) || (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
                             sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* The server writes each of these files whole, and removes the pidfile and
 * the metrics file at exit: one path for two would destroy the leases. */
static void check_files_apart(void)
{
    static const char *const names[] = {"--state", "--pidfile", "--metrics-file"};
    const char *const paths[] = {TT.o.state, TT.o.pidfile, TT.o.metrics_file};
    for (size_t i = 0; i < 3; i++)
        for (size_t j = i + 1; j < 3; j++)
            if (same_file(paths[i], paths[j]))
                die(RC_USAGE, "%s and %s name the same file %s", names[i],
                    names[j], QUOTED(paths[i]));
}

/* Conflicts, stated plainly, before anything is bound. */
static void check_args(void)
{
    struct sockaddr_un sun;
    char err[160];

    if (TT.quiet && TT.verbose)
        die(RC_USAGE, "cannot use --quiet and --verbose");
    if (!portset_count(&TT.o.pool))
        die(RC_USAGE, "--pool: no ports");
    if (!unix_address(TT.o.address, &sun, err, sizeof(err)))
        die(RC_USAGE, "--address: %s", err);
    if (TT.o.socket_mode >= 0 && TT.o.address[0] == '@')
        die(RC_USAGE, "--socket-mode needs a socket path, not the abstract "
                      "address %s", QUOTED(TT.o.address));
    check_file_name("--state", TT.o.state);
    check_file_name("--pidfile", TT.o.pidfile);
    check_file_name("--metrics-file", TT.o.metrics_file);
    check_files_apart();
}

int serve_main(int argc, char **argv)
{
    parse_args(argc, argv);
    check_args();
    log_level = TT.quiet ? LOG_NOTICE : TT.verbose ? LOG_DEBUG : LOG_INFO;
    int rc = serve_run(&TT.o);
    log_flush(); /* what the server held as it stopped */
    return rc;
}
