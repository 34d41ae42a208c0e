/* SPDX-License-Identifier: Apache-2.0 */
/* check.c: is a port free? is something listening on it? */
#include "applets/applets.h"
#include "portpicker.h"

static const char usage[] =
"usage: portpicker check [OPTIONS] PORT...\n"
"       portpicker check --server-up [--json] [-s ADDR]\n"
"       portpicker check --leases [--json] [-s ADDR]\n"
"       portpicker check --metrics [-s ADDR]\n"
"\n"
"Is every PORT free: bindable for TCP and UDP over IPv4 and IPv6? Prints one\n"
"line per port (\"15000 free\", \"15000 in use (tcp on ::)\").\n"
"\n"
"  -l, --listening   ask instead whether something accepts TCP connections\n"
"                    on each PORT (at --host, else at 127.0.0.1 and ::1)\n"
"  -w, --wait SECONDS  poll until the answer is yes for every PORT, or until\n"
"                    SECONDS (fractions allowed) have passed\n"
"  -q, --quiet       print nothing; the exit code answers\n"
"      --server-up   is a port server up? One line, and the exit code\n"
"      --leases      print the server's live leases: port, owner pid, uid,\n"
"                    names, age in seconds, owner command line\n"
"      --metrics     print the server's metrics as OpenMetrics text\n"
"      --json        with --leases: one JSON array; with --server-up: one\n"
"                    JSON object (address, up, version, status fields)\n"
SERVER_OPTION_USAGE
PROBE_OPTION_USAGE
COMMON_OPTION_USAGE("     ")
"\n"
"--server ADDR without PORT or --leases asks --server-up, as it always did.\n"
"\n"
"Exit codes:\n";

static const int exits[] = {
    RC_OK, RC_NO, RC_USAGE, RC_SYSTEM, RC_REFUSED, RC_UNREACHABLE, RC_TIMEOUT,
    RC_BAD_REPLY, RC_UNSUPPORTED, RC_SERVER_FAILED, -1,
};

#include <stdio.h>
#include <string.h>

#define MAX_PORTS 1024
/* Between polls of --wait, and the longest one port's connects may take. */
#define WAIT_POLL_MS 50
#define CONNECT_TIMEOUT_MS 1000
/* How long past --wait's deadline a round of connects may run, whatever
 * the number of ports: the round at the deadline must still see a live
 * listener. Loopback's accept is mostly in when connect returns, but not
 * when a loaded kernel leaves the handshake to ksoftirqd. */
#define WAIT_GRACE_MS 20

enum {
    OPT_LISTENING = 1, OPT_WAIT, OPT_QUIET, OPT_SERVER_UP, OPT_LEASES,
    OPT_METRICS, OPT_JSON,
};

static const struct option_spec specs[] = {
    {"listening", 'l', ARG_NONE, OPT_LISTENING},
    {"wait", 'w', ARG_REQUIRED, OPT_WAIT},
    {"quiet", 'q', ARG_NONE, OPT_QUIET},
    {"server-up", 0, ARG_NONE, OPT_SERVER_UP},
    {"leases", 0, ARG_NONE, OPT_LEASES},
    {"metrics", 0, ARG_NONE, OPT_METRICS},
    {"json", 0, ARG_NONE, OPT_JSON},
    SERVER_OPTION_SPECS,
    PROBE_OPTION_SPECS,
    {0, 0, 0, 0},
};

static struct {
    struct probe_opts probe;
    bool listening, quiet, server_up, leases, metrics, json;
    double wait;
    struct server_opts server;
    unsigned nwords, nports;
    /* One entry a port, its word, number and answer together: a check of
     * one port then touches one page of TT, not one per array (a page
     * fault costs more than the probe: docs/bench.md). */
    struct {
        const char *word;
        unsigned port;
        char line[128];
    } item[MAX_PORTS];
} TT;

/* --server-up, --leases and --metrics ask the server at --server ADDR
 * (else at $PORTSERVER_ADDRESS); nothing is probed here. */
static void settle_server_mode(void)
{
    const char *mode = TT.server_up ? "--server-up" : TT.leases ? "--leases"
                                                                : "--metrics";
    if (TT.server_up + TT.leases + TT.metrics > 1)
        die(RC_USAGE, "cannot use %s with %s: choose one question", mode,
            TT.metrics ? "--metrics" : "--leases");
    if (TT.metrics && TT.json)
        die(RC_USAGE, "cannot use --metrics with --json: the metrics are "
            "OpenMetrics text");
    if (TT.listening || TT.wait > 0)
        die(RC_USAGE, "cannot use %s with %s", mode,
            TT.listening ? "--listening" : "--wait");
    if (TT.nwords > 0)
        die(RC_USAGE, "unexpected argument %s: %s takes no words (give the "
            "server's address with --server ADDR)", QUOTED(TT.item[0].word), mode);
    server_args_finish(&TT.server);
    server_args_require(&TT.server);
}

static void settle_port_mode(void)
{
    if (TT.json)
        die(RC_USAGE, "--json goes with --leases or --server-up");
    if (TT.nwords == 0)
        die(RC_USAGE, "missing PORT (see --help)");
    for (unsigned i = 0; i < TT.nwords; i++)
        TT.item[TT.nports++].port = parse_port("PORT", TT.item[i].word);
    if (TT.listening && TT.probe.udp && !TT.probe.tcp)
        die(RC_USAGE, "cannot use --listening with --udp: it connects over TCP");
    probe_args_finish(&TT.probe);
}

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv, usage, exits);
    probe_args_init(&TT.probe);
    server_args_init(&TT.server);
    while ((id = args_next(&a, specs)) != ARGS_END) {
        if (probe_args_take(&TT.probe, id, a.value) ||
            server_args_take(&TT.server, id, a.value))
            continue;
        switch (id) {
        case OPT_LISTENING: TT.listening = true; break;
        case OPT_WAIT: TT.wait = parse_seconds("--wait", a.value, 0, 86400); break;
        case OPT_QUIET: TT.quiet = true; break;
        case OPT_SERVER_UP: TT.server_up = true; break;
        case OPT_LEASES: TT.leases = true; break;
        case OPT_METRICS: TT.metrics = true; break;
        case OPT_JSON: TT.json = true; break;
        case ARGS_POSITIONAL:
            if (TT.nwords == MAX_PORTS)
                die(RC_USAGE, "too many ports: %d at most", MAX_PORTS);
            TT.item[TT.nwords++].word = a.value;
        }
    }
    /* "check --server ADDR" alone asked "is it up?" before --server-up. */
    if (TT.server.address && !TT.leases && !TT.server_up && !TT.metrics) {
        if (TT.nwords > 0)
            die(RC_USAGE, "cannot use --server with PORT: ports are probed "
                "here; ask the server with --server-up, --leases or --metrics");
        TT.server_up = true;
    }
    if (TT.server_up || TT.leases || TT.metrics)
        settle_server_mode();
    else
        settle_port_mode();
}

/* Answer for one port into its line: 1 yes, 0 no; dies on a system error.
 * With --wait (end > 0), its connects are over by end. */
static int answer(unsigned i, double end)
{
    char why[96] = "";
    unsigned port = TT.item[i].port;
    char *line = TT.item[i].line;
    size_t size = sizeof(TT.item[i].line);
    if (TT.listening) {
        double left_ms = end > 0 ? (end - monotonic_seconds()) * 1000
                                 : CONNECT_TIMEOUT_MS;
        int connect_ms = left_ms >= CONNECT_TIMEOUT_MS ? CONNECT_TIMEOUT_MS
                         : left_ms > 0                 ? (int)left_ms
                                                       : 0;
        int r = probe_listening(&TT.probe, port, connect_ms, why, sizeof(why));
        if (r < 0)
            die_errno(RC_SYSTEM, "%s", why);
        if (r)
            snprintf(line, size, "%u listening (%s)", port, why);
        else
            snprintf(line, size, "%u not listening", port);
        return r;
    }
    enum probe_result r = probe_port(&TT.probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        die_errno(RC_SYSTEM, "probing port %u: %s", port, why);
    if (r == PROBE_IN_USE)
        snprintf(line, size, "%u in use (%s)", port, why);
    else
        snprintf(line, size, "%u free", port);
    return r == PROBE_FREE;
}

/* Every port answered, until all say yes or the wait is over; true if all
 * said yes. Only the last round is printed. */
static bool poll_ports(void)
{
    /* Without --wait, one round and no clock: the first clock read maps
     * the vDSO, three page faults, a third of what a check costs. */
    bool waits = TT.wait > 0;
    double deadline = waits ? monotonic_seconds() + TT.wait : 0;
    /* No sleep passes the deadline, and a round's connects are over by it,
     * or WAIT_GRACE_MS after the round began: the round after the last
     * sleep runs at the deadline. */
    for (;;) {
        unsigned yes = 0;
        double round_end = 0;
        if (waits) {
            double grace_end = monotonic_seconds() + WAIT_GRACE_MS / 1000.0;
            round_end = grace_end > deadline ? grace_end : deadline;
        }
        for (unsigned i = 0; i < TT.nports; i++)
            yes += (unsigned)answer(i, round_end);
        double left = waits ? deadline - monotonic_seconds() : 0;
        if (yes == TT.nports || left <= 0)
            return yes == TT.nports;
        sleep_ms(left * 1000 < WAIT_POLL_MS ? (unsigned)(left * 1000)
                                            : WAIT_POLL_MS);
    }
}

int check_main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (TT.server_up)
        return server_up(&TT.server, TT.quiet, TT.json);
    if (TT.leases)
        return print_leases(&TT.server, TT.json);
    if (TT.metrics)
        return print_metrics(&TT.server);
    bool all_yes = poll_ports();
    if (!TT.quiet) {
        for (unsigned i = 0; i < TT.nports; i++)
            puts(TT.item[i].line);
        stdout_done("the answer");
    }
    return all_yes ? RC_OK : RC_NO;
}
