/* SPDX-License-Identifier: Apache-2.0 */
/* portpicker.c: the multicall entry point.
 *
 * The applet is named by the link the binary was called through
 * (basename(argv[0]), BusyBox-style), else by the first argument. For people
 * coming from python_portpicker, whose CLI is `python3 -m portpicker PID
 * [BIND_TIMEOUT]`, a number as the first argument means pick; `help` and
 * `version` are words as well as options. */
#include "applets/applets.h"
#include "portpicker.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct applet {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} applets[] = {
    {"check", check_main, "is a port free? is something listening on it?"},
    {"pick", pick_main, "print an unused port (TCP and UDP, IPv4 and IPv6)"},
    {"release", release_main, "give a port back to the port server early"},
    {"run", run_main, "run a command on bound sockets (socket activation)"},
    {"serve", serve_main, "run the port server daemon"},
};

#define NAPPLETS (sizeof(applets) / sizeof(applets[0]))

static const char usage_head[] =
    "usage: portpicker APPLET [ARGS]   or   APPLET [ARGS] (through a link)\n"
    "       portpicker PID [BIND_TIMEOUT]   the same as 'portpicker pick PID ...'\n"
    "       portpicker help [APPLET] | version | -h, --help | -V, --version\n"
    "\n"
    "Choose unique, free network ports. Applets:\n";

static const char usage_middle[] =
    "\n"
    "'portpicker help APPLET' or 'portpicker APPLET --help' describes each.\n"
    "\n"
    "Exit codes, the same for every applet:\n";

#define EXIT_CODE_ONLY(name, code, meaning) code,
static const int exit_codes[] = {EXIT_CODES(EXIT_CODE_ONLY) -1};
#undef EXIT_CODE_ONLY

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = *len < size ? vsnprintf(buf + *len, size - *len, fmt, ap) : 0;
    va_end(ap);
    if (n > 0)
        *len += (size_t)n;
}

/* The whole --help text: the applets and the exit codes, from their
 * tables. About 1.5 KB, in 4 KB from the heap, not static: a static buffer
 * is a page of BSS beside the few bytes every run uses, and a page fault
 * costs more than anything else pick does (docs/bench.md). NULL when out
 * of memory; the caller frees it. */
static char *usage(void)
{
    enum { SIZE = 4096 };
    char *text = malloc(SIZE);
    size_t len = 0;

    if (!text)
        return NULL;
    append(text, SIZE, &len, "%s", usage_head);
    for (size_t i = 0; i < NAPPLETS; i++)
        append(text, SIZE, &len, "  %-8s %s\n", applets[i].name,
               applets[i].summary);
    append(text, SIZE, &len, "%s", usage_middle);
    if (len < SIZE)
        exit_codes_format(text + len, SIZE - len, exit_codes);
    return text;
}

static const struct applet *find_applet(const char *name)
{
    for (size_t i = 0; i < NAPPLETS; i++)
        if (!strcmp(applets[i].name, name))
            return &applets[i];
    return NULL;
}

static const struct applet *applet_or_die(const char *name)
{
    const struct applet *applet = find_applet(name);
    if (!applet)
        die(RC_NO_APPLET, "unknown applet %s (see 'portpicker --help')",
            QUOTED(name));
    return applet;
}

static int run_applet(const struct applet *applet, int argc, char **argv)
{
    static char name[64];
    snprintf(name, sizeof(name), "portpicker %s", applet->name);
    applet_name = name;
    return applet->main(argc, argv);
}

/* Let the shared parser answer argv[1] as an option of the multicall:
 * -h, --help, -V and --version print and exit 0, anything else is refused. */
static void answer_option(int argc, char **argv)
{
    static const struct option_spec no_options[] = {{0, 0, 0, 0}};
    struct args a;
    char *text = usage();
    /* args_next prints it and exits, text still in scope. */
    args_init(&a, argc, argv, text ? text : usage_head, NULL);
    args_next(&a, no_options);
}

/* "portpicker help [APPLET]" and "portpicker version", as --help and
 * --version of the applet or of the multicall. */
static int help_or_version(int argc, char **argv)
{
    bool help = !strcmp(argv[1], "help");
    if (argc > (help ? 3 : 2))
        die(RC_USAGE, "too many arguments: %s (%s)", QUOTED(argv[argc - 1]),
            help ? "help takes one APPLET at most" : "version takes none");
    if (argc == 3) {
        char *words[] = {argv[2], "--help", NULL};
        return run_applet(applet_or_die(argv[2]), 2, words);
    }
    char *words[] = {argv[0], help ? "--help" : "--version", NULL};
    answer_option(2, words);
    return RC_SYSTEM;  /* not reached: both words exit */
}

/* portpicker --features, for the tests (not in --help): each Linux-only
 * mechanism, "yes" when this build has it, "no" when its portable fallback
 * stands in (lib/os.h). */
static int print_features(void)
{
    static const struct { const char *name; const bool *have; } features[] = {
        {"sockdiag", &have_sockdiag},     {"proc-ports", &have_proc_ports},
        {"proc-ipv6", &have_proc_ipv6},   {"getrandom", &have_getrandom},
        {"socket-flags", &have_socket_flags},
        {"close-range", &have_close_range}, {"abstract", &have_abstract},
        {"raw-clock", &have_raw_clock},   {"serve", &have_serve},
    };
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        printf("%s %s\n", features[i].name, *features[i].have ? "yes" : "no");
    stdout_done("the features");
    return RC_OK;
}

int main(int argc, char **argv)
{
    /* Without /dev/null (a bare chroot) a closed descriptor stays closed,
     * as it always was. */
    (void)std_fds_fill();
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    const char *called = slash ? slash + 1 : argc > 0 ? argv[0] : "";
    const struct applet *applet = find_applet(called);

    if (applet)
        return run_applet(applet, argc, argv);
    if (argc < 2) {
        char *text = usage();
        fputs(text ? text : usage_head, stderr);
        free(text);
        return RC_USAGE;
    }
    if (!strcmp(argv[1], "--features") && argc == 2)
        return print_features();
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "version"))
        return help_or_version(argc, argv);
    /* python_portpicker's form: the words are pick's PID and BIND_TIMEOUT. */
    if (isdigit((unsigned char)argv[1][0]))
        return run_applet(find_applet("pick"), argc, argv);
    if (argv[1][0] == '-' && argv[1][1])
        answer_option(argc, argv);
    return run_applet(applet_or_die(argv[1]), argc - 1, argv + 1);
}
