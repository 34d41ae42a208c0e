/* check.c: is a port free? is something listening on it? */
#include "applets/applets.h"
#include "portpicker.h"

static const char usage[] =
"usage: portpicker check [OPTIONS] PORT...\n"
"       portpicker check --server [ADDR]\n"
"       portpicker check --leases [--json] [ADDR]\n"
"\n"
"Is every PORT free: bindable for TCP and UDP over IPv4 and IPv6? Prints one\n"
"line per port (\"15000 free\", \"15000 in use (tcp on ::)\").\n"
"\n"
"  -l, --listening   ask instead whether something accepts TCP connections\n"
"                    on each PORT (at --host, else at 127.0.0.1 and ::1)\n"
"  -w, --wait SECONDS  poll until the answer is yes for every PORT, or until\n"
"                    SECONDS (fractions allowed) have passed\n"
"  -q, --quiet       print nothing; the exit code answers\n"
"      --server      is a port server up at ADDR (default $PORTSERVER_ADDRESS)?\n"
"      --leases      print the server's live leases: port, owner pid, uid,\n"
"                    names, age in seconds, owner command line\n"
"      --json        with --leases: one JSON array, for scripts\n"
"  -t, --timeout SECONDS  give up on the server after SECONDS (default 5)\n"
PROBE_OPTION_USAGE
"  -h, --help        show this help\n"
"\n"
"Exit: 0 yes (free, listening, server up), 1 no (in use, not listening, no\n"
"server), 2 usage error, 3 system error (e.g. EACCES on a privileged port,\n"
"EMFILE); --leases: 7 no server, 8 timeout, 9 bad reply, 11 legacy server.\n";

#include <stdio.h>
#include <string.h>

#define MAX_PORTS 1024
/* Between polls of --wait, and the longest one connect may take. */
#define WAIT_POLL_MS 50
#define CONNECT_TIMEOUT_MS 1000

enum { OPT_HELP = 1, OPT_LISTENING, OPT_WAIT, OPT_QUIET, OPT_SERVER_UP, OPT_LEASES, OPT_JSON };

static const struct option_spec specs[] = {
    {"help", 'h', ARG_NONE, OPT_HELP},
    {"listening", 'l', ARG_NONE, OPT_LISTENING},
    {"wait", 'w', ARG_REQUIRED, OPT_WAIT},
    {"quiet", 'q', ARG_NONE, OPT_QUIET},
    {"server", 0, ARG_NONE, OPT_SERVER_UP},
    {"leases", 0, ARG_NONE, OPT_LEASES},
    {"json", 0, ARG_NONE, OPT_JSON},
    {"timeout", 't', ARG_REQUIRED, OPT_TIMEOUT},
    PROBE_OPTION_SPECS,
    {0, 0, 0, 0},
};

static struct {
    struct probe_opts probe;
    bool listening, quiet, server_up, leases, json;
    double wait;
    struct server_opts server;
    const char *words[MAX_PORTS];
    unsigned nwords;
    unsigned ports[MAX_PORTS];
    unsigned nports;
    char lines[MAX_PORTS][128];
} TT;

/* --server and --leases take at most one word: the address. */
static void settle_server_mode(void)
{
    if (TT.server_up && TT.leases)
        die(RC_USAGE, "cannot use --server with --leases: choose one question");
    if (TT.listening || TT.wait > 0)
        die(RC_USAGE, "cannot use --%s with %s", TT.server_up ? "server" : "leases",
            TT.listening ? "--listening" : "--wait");
    if (TT.nwords > 1)
        die(RC_USAGE, "too many arguments: '%s' (--%s takes one ADDR at most)",
            TT.words[1], TT.server_up ? "server" : "leases");
    if (TT.nwords == 1)
        TT.server.address = TT.words[0];
    server_args_finish(&TT.server);
    if (!TT.server.address)
        die(RC_USAGE, "no server address: give ADDR or set PORTSERVER_ADDRESS");
}

static void settle_port_mode(void)
{
    if (TT.json)
        die(RC_USAGE, "--json goes with --leases only");
    if (TT.nwords == 0)
        die(RC_USAGE, "missing PORT (see --help)");
    for (unsigned i = 0; i < TT.nwords; i++)
        TT.ports[TT.nports++] = parse_port("PORT", TT.words[i]);
    if (TT.listening && TT.probe.udp && !TT.probe.tcp)
        die(RC_USAGE, "cannot use --listening with --udp: it connects over TCP");
    probe_args_finish(&TT.probe);
}

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv);
    probe_args_init(&TT.probe);
    server_args_init(&TT.server);
    while ((id = args_next(&a, specs)) != ARGS_END) {
        if (probe_args_take(&TT.probe, id, a.value) ||
            server_args_take(&TT.server, id, a.value))
            continue;
        switch (id) {
        case OPT_HELP: print_usage(usage);
        case OPT_LISTENING: TT.listening = true; break;
        case OPT_WAIT: TT.wait = parse_seconds("--wait", a.value, 86400); break;
        case OPT_QUIET: TT.quiet = true; break;
        case OPT_SERVER_UP: TT.server_up = true; break;
        case OPT_LEASES: TT.leases = true; break;
        case OPT_JSON: TT.json = true; break;
        case ARGS_POSITIONAL:
            if (TT.nwords == MAX_PORTS)
                die(RC_USAGE, "too many ports: %d at most", MAX_PORTS);
            TT.words[TT.nwords++] = a.value;
        }
    }
    if (TT.server_up || TT.leases)
        settle_server_mode();
    else
        settle_port_mode();
}

/* Answer for one port into its line: 1 yes, 0 no; dies on a system error. */
static int answer(unsigned i, int connect_ms)
{
    char why[96] = "";
    unsigned port = TT.ports[i];
    if (TT.listening) {
        int r = probe_listening(&TT.probe, port, connect_ms, why, sizeof(why));
        if (r < 0)
            die_errno(RC_SYSTEM, "%s", why);
        if (r)
            snprintf(TT.lines[i], sizeof(TT.lines[i]), "%u listening (%s)", port, why);
        else
            snprintf(TT.lines[i], sizeof(TT.lines[i]), "%u not listening", port);
        return r;
    }
    enum probe_result r = probe_port(&TT.probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        die_errno(RC_SYSTEM, "probing port %u: %s", port, why);
    if (r == PROBE_IN_USE)
        snprintf(TT.lines[i], sizeof(TT.lines[i]), "%u in use (%s)", port, why);
    else
        snprintf(TT.lines[i], sizeof(TT.lines[i]), "%u free", port);
    return r == PROBE_FREE;
}

/* Every port answered, until all say yes or the wait is over; true if all
 * said yes. Only the last round is printed. */
static bool poll_ports(void)
{
    double deadline = monotonic_seconds() + TT.wait;
    for (;;) {
        unsigned yes = 0;
        double left = deadline - monotonic_seconds();
        int connect_ms = left * 1000 < CONNECT_TIMEOUT_MS && left > 0.05
                             ? (int)(left * 1000) : CONNECT_TIMEOUT_MS;
        for (unsigned i = 0; i < TT.nports; i++)
            yes += (unsigned)answer(i, connect_ms);
        if (yes == TT.nports || monotonic_seconds() >= deadline)
            return yes == TT.nports;
        sleep_ms(WAIT_POLL_MS);
    }
}

int check_main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (TT.server_up)
        return server_up(&TT.server, TT.quiet);
    if (TT.leases)
        return print_leases(&TT.server, TT.json);
    bool all_yes = poll_ports();
    if (!TT.quiet) {
        for (unsigned i = 0; i < TT.nports; i++)
            puts(TT.lines[i]);
        if (fflush(stdout) != 0)
            die_errno(RC_SYSTEM, "writing the answer");
    }
    return all_yes ? RC_OK : RC_NO;
}
