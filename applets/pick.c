/* SPDX-License-Identifier: Apache-2.0 */
/* pick.c: print unused ports. */
#include "applets/applets.h"
#include "portpicker.h"

static const char usage[] =
"usage: portpicker pick [OPTIONS] [PID [BIND_TIMEOUT]]\n"
"       portpicker pick --env NAME... [PID]\n"
"\n"
"Print an unused port, free on TCP and UDP over IPv4 and IPv6, and a newline.\n"
"With PORTSERVER_ADDRESS set (or --server), the port server leases it to PID;\n"
"otherwise it is probed here.\n"
"\n"
"  PID               the port's owner (default: the parent, e.g. the shell);\n"
"                    the server frees the port when PID exits\n"
"  BIND_TIMEOUT      without a server: seconds (fractions allowed) to keep the\n"
"                    port reserved after printing; a consumer that sets\n"
"                    SO_REUSEADDR can bind it at once, and the hold then ends\n"
"                    (Linux; elsewhere the hold fences, as with --fence;\n"
"                    on Windows a detached portpicker.exe holds it)\n"
"  -e, --env         the other words are NAMEs: print NAME_PORT=PORT lines,\n"
"                    one port per NAME, for eval\n"
SERVER_OPTION_USAGE
"  -f, --fallback    if the server fails, warn and pick locally instead\n"
"  -n, --count N     print N distinct ports, one per line (1-" PROTO_STR(PROTO_MAX_PORTS) ")\n"
"  -r, --range LIST  pick from LIST: LO-HI or PORT, comma-separated\n"
"                    (default " DEFAULT_POOL "); the kernel's ephemeral range and\n"
"                    reserved ports are always left out (Windows: the dynamic\n"
"                    and excluded port ranges netsh reports)\n"
"  -x, --exclude LIST  never pick these ports (repeatable); a server picks\n"
"                    from its own pool: a port it grants outside -r or in -x\n"
"                    is said on stderr\n"
"      --prefer PORT[,PORT...]  the first of these that is free, in this\n"
"                    order (outside --range too); if none is, pick as usual\n"
"                    and say so on stderr. A server grants them from its\n"
"                    pool, " PROTO_STR(PROTO_MAX_PREFER) " at most\n"
"      --fence       hold by listening, as python_portpicker does: nobody,\n"
"                    the consumer included, can bind until BIND_TIMEOUT ends\n"
PROBE_OPTION_USAGE
COMMON_OPTION_USAGE("     ")
"\n"
"A NAME is " PROTO_NAME_RULE ".\n"
"Exit codes:\n";

static const int exits[] = {
    RC_OK, RC_USAGE, RC_SYSTEM, RC_EXHAUSTED, RC_REFUSED, RC_UNREACHABLE,
    RC_TIMEOUT, RC_BAD_REPLY, RC_UNSUPPORTED, RC_SERVER_FAILED, -1,
};

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COUNT PROTO_MAX_PORTS
/* How often a hold looks for its consumer, and how soon it looks again to
 * confirm a sighting, in milliseconds: a hold ends at most about 50 ms after
 * its consumer listens, at 25 queries a second (docs/bench.md, the hold). */
#define TAKEOVER_POLL_MS 40
#define TAKEOVER_CONFIRM_MS 10

enum {
    OPT_COUNT = 1, OPT_RANGE, OPT_EXCLUDE, OPT_FENCE, OPT_ENV,
    OPT_FALLBACK, OPT_PREFER,
};

static const struct option_spec specs[] = {
    {"count", 'n', ARG_REQUIRED, OPT_COUNT},
    {"range", 'r', ARG_REQUIRED, OPT_RANGE},
    {"exclude", 'x', ARG_REQUIRED, OPT_EXCLUDE},
    {"fence", 0, ARG_NONE, OPT_FENCE},
    {"env", 'e', ARG_NONE, OPT_ENV},
    {"fallback", 'f', ARG_NONE, OPT_FALLBACK},
    {"prefer", 0, ARG_REQUIRED, OPT_PREFER},
    PROBE_OPTION_SPECS,
    SERVER_OPTION_SPECS,
    {0, 0, 0, 0},
};

/* Per-port arrays (positional words, NAMEs, preferred ports, the ports
 * found, their holds, the printed lines) and the candidate ports. */
#define ROOM_BYTES ((MAX_COUNT + 2) * sizeof(char *) + \
                    MAX_COUNT * (sizeof(char *) + 2 * sizeof(unsigned) + \
                                 sizeof(struct hold) + PROTO_NAME_MAX + 13) + \
                    sizeof(struct port_ranges) + 7 * sizeof(max_align_t))

/* Laid out for page faults, which cost pick more than anything it computes
 * (docs/bench.md): the scalars, then the arrays carved from room in the
 * order they are needed, so that a one-port pick, which uses the first
 * bytes of each, touches one page of TT; the sets as given come last,
 * touched only when given. */
static struct {
    struct probe_opts probe;
    struct server_opts server;
    bool fence, env, fallback, has_count, has_range, has_exclude;
    unsigned count;
    pid_t pid;
    double bind_timeout;
    unsigned nwords, nnames, nprefer, held;
    const char **words;         /* positional, read once --env is known */
    char **names;
    unsigned *prefer;           /* --prefer, in the order given */
    unsigned *ports;
    struct hold *holds;
    char *out;
    struct port_ranges *pool;   /* range less exclude and the kernel's ports */
    size_t room_used;
    _Alignas(max_align_t) unsigned char room[ROOM_BYTES];
    struct port_ranges range, exclude; /* as given */
} TT;

/* n elements of size bytes from TT.room; ROOM_BYTES holds every array at
 * its largest, so running out is a programming error. */
static void *carve(size_t n, size_t size)
{
    size_t align = sizeof(max_align_t);
    size_t at = (TT.room_used + align - 1) / align * align;
    if (n * size > ROOM_BYTES - at)
        abort();
    TT.room_used = at + n * size;
    return TT.room + at;
}

static void add_list(struct port_ranges *set, bool *given, const char *option,
                     const char *text)
{
    char err[160];
    if (ranges_parse(set, text, err, sizeof(err)))
        die(RC_USAGE, "%s: %s", option, err);
    *given = true;
}

/* --prefer PORT[,PORT...], appended in order (repeatable). */
static void add_preferred(const char *text)
{
    char buf[QUOTE_BYTES + 2];
    for (const char *p = text;; p++) {
        size_t len = strcspn(p, ","), n = len < sizeof(buf) ? len : sizeof(buf) - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        if (!len)
            die(RC_USAGE, "--prefer: %s has an empty entry", QUOTED(text));
        /* no port is that long: its start, quoted, then "..." */
        if (len > n)
            die(RC_USAGE, "--prefer: %s is not a port", QUOTED(buf));
        if (!TT.prefer)
            TT.prefer = carve(MAX_COUNT, sizeof(*TT.prefer));
        if (TT.nprefer == MAX_COUNT)
            die(RC_USAGE, "--prefer: %d ports at most", MAX_COUNT);
        TT.prefer[TT.nprefer++] = parse_port("--prefer", buf);
        p += len;
        if (!*p)
            return;
    }
}

/* PID, BIND_TIMEOUT, or with --env a NAME. */
static void take_positional(const char *word, int *numbers)
{
    if (TT.env && (word[0] < '0' || word[0] > '9') && word[0] != '-' && word[0] != '.') {
        add_name(TT.names, &TT.nnames, MAX_COUNT, word);
        return;
    }
    if (*numbers == 0)
        TT.pid = parse_pid("PID", word);
    else if (*numbers == 1)
        TT.bind_timeout = parse_seconds("BIND_TIMEOUT", word, 0, 86400);
    else
        die(RC_USAGE, "too many arguments: %s (expected PID and BIND_TIMEOUT "
            "at most)", QUOTED(word));
    (*numbers)++;
}

/* Conflicts and defaults, after every option is known. */
static void settle_args(void)
{
    int numbers = 0;
    TT.names = carve(TT.nwords, sizeof(*TT.names));
    for (unsigned i = 0; i < TT.nwords; i++)
        take_positional(TT.words[i], &numbers);
    if (TT.env && TT.nnames == 0)
        die(RC_USAGE, "--env needs at least one NAME");
    if (TT.env && TT.has_count && TT.count != TT.nnames)
        die(RC_USAGE, "-n %u contradicts the %u NAMEs of --env", TT.count, TT.nnames);
    if (TT.env)
        TT.count = TT.nnames;
    server_args_finish(&TT.server);
    probe_args_finish(&TT.probe);
    /* Off Linux a hold cannot hand over, so it fences and lasts out. */
    TT.fence = TT.fence || !hold_hands_over();
    TT.ports = carve(TT.count, sizeof(*TT.ports));
    TT.holds = carve(TT.count, sizeof(*TT.holds));
    TT.out = carve(TT.count, PROTO_NAME_MAX + 13);
    TT.pool = carve(1, sizeof(*TT.pool));
}

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv, usage, exits);
    probe_args_init(&TT.probe);
    server_args_init(&TT.server);
    TT.count = 1;
    TT.pid = getppid();
    TT.words = carve(argc < MAX_COUNT + 2 ? (size_t)argc : MAX_COUNT + 2,
                     sizeof(*TT.words));
    while ((id = args_next(&a, specs)) != ARGS_END) {
        if (probe_args_take(&TT.probe, id, a.value) ||
            server_args_take(&TT.server, id, a.value))
            continue;
        switch (id) {
        case OPT_COUNT:
            TT.count = (unsigned)parse_arg("--count", a.value, 10, 1, MAX_COUNT);
            TT.has_count = true;
            break;
        case OPT_RANGE:
            add_list(&TT.range, &TT.has_range, "--range", a.value);
            break;
        case OPT_EXCLUDE:
            add_list(&TT.exclude, &TT.has_exclude, "--exclude", a.value);
            break;
        case OPT_FENCE: TT.fence = true; break;
        case OPT_ENV: TT.env = true; break;
        case OPT_FALLBACK: TT.fallback = true; break;
        case OPT_PREFER: add_preferred(a.value); break;
        case ARGS_POSITIONAL:
            if (TT.nwords == MAX_COUNT + 2)
                die(RC_USAGE, "too many arguments: %s", QUOTED(a.value));
            TT.words[TT.nwords++] = a.value;
            break;
        }
    }
    settle_args();
}

/* The ports to try into *TT.pool; returns how many, dies when none is left. */
static size_t candidates(void)
{
    char err[200];
    const char *guessed;
    ssize_t n = ranges_candidates(TT.pool, TT.has_range ? &TT.range : NULL,
                                  TT.has_exclude ? &TT.exclude : NULL, err,
                                  sizeof(err), &guessed);
    if (n < 0)
        die_errno(RC_SYSTEM, "%s", err);
    if (guessed)
        warn("%s", guessed);
    if (n == 0)
        die(RC_EXHAUSTED, "%s", err);
    return (size_t)n;
}

/* Probe port and, when ports are held (several, or a BIND_TIMEOUT), hold
 * it: true when it is ours, now in TT.ports. */
static bool take(unsigned port)
{
    bool hold = TT.count > 1 || TT.bind_timeout > 0;
    char why[96];
    enum probe_result r = probe_port(&TT.probe, port, why, sizeof(why));
    if (r == PROBE_ERROR)
        die_errno(RC_SYSTEM, "probing port %u: %s", port, why);
    if (r == PROBE_IN_USE)
        return false;
    if (hold && hold_port(&TT.probe, port, TT.fence, &TT.holds[TT.held]) < 0) {
        if (errno == EADDRINUSE)  /* taken between probe and hold */
            return false;
        die_errno(RC_SYSTEM, "holding port %u", port);
    }
    TT.ports[TT.held++] = port;
    return true;
}

/* Scan the n candidates from a random one on. A port is held as soon as it
 * is found when it must stay reserved: for BIND_TIMEOUT, and with -n so
 * that concurrent pickers see the first ports taken while we look for the
 * rest. A single pick without BIND_TIMEOUT only probes. */
static void find_ports(size_t n)
{
    struct ranges_cursor at = ranges_at(TT.pool, random_below((uint32_t)n));

    for (size_t i = 0; i < n && TT.held < TT.count; i++, ranges_next(TT.pool, &at))
        take(at.port);
    if (TT.held < TT.count)
        die(RC_EXHAUSTED, "only %u of %u ports free (all %zu candidates probed)",
            TT.held, TT.count, n);
}

static bool in_list(const struct port_ranges *set, unsigned port)
{
    for (size_t i = 0; i < set->n; i++)
        if (port >= set->iv[i].lo && port <= set->iv[i].hi)
            return true;
    return false;
}

static bool excluded(unsigned port)
{
    return TT.has_exclude && in_list(&TT.exclude, port);
}

/* --prefer: say on stderr when the got preferred ports (what: "free", or
 * with a server "free and leasable") fall short of the count wanted. */
static void report_preferred(unsigned got, const char *what)
{
    if (TT.nprefer && got == 0)
        warn("--prefer: no preferred port is %s; fell back to the usual pick", what);
    else if (TT.nprefer && got < TT.count)
        warn("--prefer: %u preferred ports %s for the %u wanted; fell back "
             "to the usual pick for the rest", got, what, TT.count);
}

/* --prefer: take the preferred ports that are free, in order, before any
 * other; each one taken joins the excludes so the usual pick skips it. */
static void find_preferred(void)
{
    for (unsigned i = 0; i < TT.nprefer && TT.held < TT.count; i++) {
        unsigned port = TT.prefer[i];
        if (!excluded(port) && take(port)) {
            ranges_add(&TT.exclude, port, port);
            TT.has_exclude = true;
        }
    }
    report_preferred(TT.held, "free");
}

/* Is port one of --prefer's? */
static bool is_preferred(unsigned port)
{
    for (unsigned j = 0; j < TT.nprefer; j++)
        if (TT.prefer[j] == port)
            return true;
    return false;
}

/* How many of the ports the server granted are preferred ones. */
static unsigned granted_preferred(void)
{
    unsigned got = 0;
    for (unsigned i = 0; i < TT.count; i++)
        got += is_preferred(TT.ports[i]);
    return got;
}

/* A server picks from its own pool: say on stderr when a port it granted
 * is one --range or --exclude would have left out (a preferred port may
 * be outside --range, as in a local pick). */
static void report_outside_lists(void)
{
    unsigned bad = 0, first = 0;
    for (unsigned i = 0; i < TT.count; i++) {
        unsigned port = TT.ports[i];
        bool left_out = excluded(port) || (TT.has_range && !is_preferred(port) &&
                                           !in_list(&TT.range, port));
        if (left_out && !bad++)
            first = port;
    }
    if (bad)
        warn("%u of the ports the port server at %s granted (%u first) are "
             "outside --range or in --exclude: a server picks from its own "
             "pool", bad, TT.server.address, first);
}

/* "PORT" or "NAME_PORT=PORT" lines, in one write. */
static void print_ports(void)
{
    size_t len = 0, size = (size_t)TT.count * (PROTO_NAME_MAX + 13);
    for (unsigned i = 0; i < TT.count; i++)
        len += (size_t)snprintf(TT.out + len, size - len,
                                TT.env ? "%s_PORT=%u\n" : "%s%u\n",
                                TT.env ? TT.names[i] : "", TT.ports[i]);
    if (write_all(STDOUT_FILENO, TT.out, len) < 0)
        die_errno(RC_SYSTEM, "writing the ports");
}

/* In the detached child: hold until the deadline, letting each port go as
 * soon as its consumer has taken it over. A take-over must be seen twice,
 * TAKEOVER_CONFIRM_MS apart: another picker's probe (python_portpicker's
 * listens with SO_REUSEADDR for a moment) is not a consumer. */
static _Noreturn void hold_until(double deadline)
{
    unsigned left = TT.fence ? 0 : TT.held;
    bool seen[MAX_COUNT] = {0}, any_seen = false;
    double now;
    /* With --fence, or once every port is taken over, only the deadline. */
    while ((now = monotonic_seconds()) < deadline && (left > 0 || TT.fence)) {
        double pause_ms = 1e3 * (deadline - now);
        unsigned poll_ms = any_seen ? TAKEOVER_CONFIRM_MS : TAKEOVER_POLL_MS;
        sleep_ms(left > 0 && pause_ms > poll_ms ? poll_ms : (unsigned)pause_ms + 1);
        any_seen = false;
        for (unsigned i = 0; i < TT.held && left > 0; i++) {
            if (!TT.holds[i].nfds)
                continue;
            bool taken = hold_taken_over(&TT.holds[i]);
            if (taken && seen[i]) {
                hold_close(&TT.holds[i]);
                left--;
            }
            seen[i] = taken && !seen[i];
            any_seen = any_seen || seen[i];
        }
    }
    _exit(0);
}

/* Leave the sockets to a detached process; pick returns at once so that
 * $(portpicker pick $$ 5) does not wait. */
static void hold_in_background(void)
{
    double deadline = monotonic_seconds() + TT.bind_timeout;
    int fds[MAX_COUNT * HOLD_MAX_FDS];
    size_t n = 0;
    for (unsigned i = 0; i < TT.held; i++)
        for (int j = 0; j < TT.holds[i].nfds; j++)
            fds[n++] = TT.holds[i].fds[j];
    int r = detach_hold(fds, n, TT.bind_timeout);
    if (r < 0)
        warn("detaching the hold: %s: the ports are printed but not held",
             strerror(errno));
    if (r == 0)
        hold_until(deadline);
}

/* -n N holds up to 4 sockets per port: make room if the soft limit is low. */
static void make_room(void)
{
    size_t now;
    if (raise_fd_limit((size_t)TT.count * HOLD_MAX_FDS + 64, &now) < 0)
        warn("setrlimit: %s", strerror(errno));
}

/* True when the server leased the ports and they are printed; false when
 * it failed and --fallback allows a local pick. Dies otherwise: falling
 * back silently would lose the server's guarantees without anyone knowing. */
static bool ask_the_server(void)
{
    char err[ASK_ERR_SIZE];
    bool honoured = TT.nprefer > 0;
    double began = monotonic_seconds();
    /* getppid() is 0 when the parent is outside our pid namespace (we are
     * its pid 1): no owner the server could watch was named. */
    if (TT.pid == 0)
        die(RC_USAGE, "no owner for the lease: the parent process is outside "
            "this pid namespace; name one (pick PID)");
    int rc = ask_pick(TT.server.address, TT.pid, TT.count, TT.names, TT.nnames,
                      TT.prefer, TT.nprefer, TT.ports, TT.server.timeout, err,
                      sizeof(err));
    /* The second request has what is left of --timeout, not all of it
     * again. */
    double left = TT.server.timeout - (monotonic_seconds() - began);
    if (rc == RC_UNSUPPORTED && honoured && left > 0) {
        warn("--prefer: %s; it cannot honour preferred ports: picking "
             "without them", err);
        honoured = false;
        rc = ask_pick(TT.server.address, TT.pid, TT.count, TT.names, TT.nnames,
                      NULL, 0, TT.ports, left, err, sizeof(err));
    }
    if (rc == RC_OK) {
        if (honoured)
            report_preferred(granted_preferred(), "free and leasable");
        report_outside_lists();
        print_ports();
        return true;
    }
    /* A request over the protocol's limits is the caller's mistake. */
    if (!TT.fallback || rc == RC_USAGE)
        die(rc, "%s", err);
    warn("%s; --fallback: picking locally, without the server's guarantees", err);
    return false;
}

int pick_main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (TT.server.address && ask_the_server())
        return RC_OK;
    if (TT.count > 1)
        make_room();
    find_preferred();
    if (TT.held < TT.count)
        find_ports(candidates());
    print_ports();
    if (TT.bind_timeout > 0)
        hold_in_background();
    for (unsigned i = 0; i < TT.held; i++)
        hold_close(&TT.holds[i]);
    return RC_OK;
}
