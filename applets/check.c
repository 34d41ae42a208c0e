/* check.c: is a port free? is something listening on it? */
#include "portpicker.h"

static const char usage[] =
"usage: portpicker check [OPTIONS] PORT...\n"
"\n"
"Is every PORT free: bindable for TCP and UDP over IPv4 and IPv6? Prints one\n"
"line per port (\"15000 free\", \"15000 in use (tcp on ::)\").\n"
"\n"
"  -l, --listening   ask instead whether something accepts TCP connections\n"
"                    on each PORT (at --host, else at 127.0.0.1 and ::1)\n"
"  -w, --wait SECONDS  poll until the answer is yes for every PORT, or until\n"
"                    SECONDS (fractions allowed) have passed\n"
"  -q, --quiet       print nothing; the exit code answers\n"
PROBE_OPTION_USAGE
"  -h, --help        show this help\n"
"\n"
"Exit: 0 yes (free, or listening), 1 no (in use, or not listening),\n"
"2 usage error, 3 system error (e.g. EACCES on a privileged port, EMFILE).\n";

#include <stdio.h>
#include <string.h>

#define MAX_PORTS 1024
/* Between polls of --wait, and the longest one connect may take. */
#define WAIT_POLL_MS 50
#define CONNECT_TIMEOUT_MS 1000

enum { OPT_HELP = 1, OPT_LISTENING, OPT_WAIT, OPT_QUIET };

static const struct option_spec specs[] = {
    {"help", 'h', ARG_NONE, OPT_HELP},
    {"listening", 'l', ARG_NONE, OPT_LISTENING},
    {"wait", 'w', ARG_REQUIRED, OPT_WAIT},
    {"quiet", 'q', ARG_NONE, OPT_QUIET},
    PROBE_OPTION_SPECS,
    {0, 0, 0, 0},
};

static struct {
    struct probe_opts probe;
    bool listening, quiet;
    double wait;
    unsigned ports[MAX_PORTS];
    unsigned nports;
    char lines[MAX_PORTS][128];
} TT;

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv);
    probe_args_init(&TT.probe);
    while ((id = args_next(&a, specs)) != ARGS_END) {
        if (probe_args_take(&TT.probe, id, a.value))
            continue;
        switch (id) {
        case OPT_HELP: print_usage(usage);
        case OPT_LISTENING: TT.listening = true; break;
        case OPT_WAIT: TT.wait = parse_seconds("--wait", a.value, 86400); break;
        case OPT_QUIET: TT.quiet = true; break;
        case ARGS_POSITIONAL:
            if (TT.nports == MAX_PORTS)
                die(RC_USAGE, "too many ports: %d at most", MAX_PORTS);
            TT.ports[TT.nports++] = parse_port("PORT", a.value);
        }
    }
    if (TT.nports == 0)
        die(RC_USAGE, "missing PORT (see --help)");
    if (TT.listening && TT.probe.udp && !TT.probe.tcp)
        die(RC_USAGE, "cannot use --listening with --udp: it connects over TCP");
    probe_args_finish(&TT.probe);
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
    bool all_yes = poll_ports();
    if (!TT.quiet) {
        for (unsigned i = 0; i < TT.nports; i++)
            puts(TT.lines[i]);
        if (fflush(stdout) != 0)
            die_errno(RC_SYSTEM, "writing the answer");
    }
    return all_yes ? RC_OK : RC_NO;
}
