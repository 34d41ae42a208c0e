/* portpicker.c: the multicall entry point.
 *
 * The applet is named by the link the binary was called through
 * (basename(argv[0]), BusyBox-style), else by the first argument. */
#include "portpicker.h"

#include <stdio.h>
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

static const char usage_head[] =
    "usage: portpicker APPLET [ARGS]   or   APPLET [ARGS] (through a link)\n"
    "       portpicker --help | --version\n"
    "\n"
    "Choose unique, free network ports. Applets:\n";

static const char usage_tail[] =
    "\n"
    "'portpicker APPLET --help' describes each. Exit codes: 0 ok/free,\n"
    "1 in use/no, 2 usage error, 3 system error, 4 no free port,\n"
    "5 address in use by a live server, 6 server refused, 7 no server,\n"
    "8 server timeout, 9 bad server reply, 10 port not held by you,\n"
    "11 server too old for the request, 126 applet not built (run: command\n"
    "not executable), 127 no such applet (run: no such command).\n";

static const struct applet *find_applet(const char *name)
{
    for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
        if (!strcmp(applets[i].name, name))
            return &applets[i];
    return NULL;
}

static int list_applets(FILE *out)
{
    fputs(usage_head, out);
    for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
        fprintf(out, "  %-8s %s\n", applets[i].name, applets[i].summary);
    fputs(usage_tail, out);
    return fflush(out) == 0 ? RC_OK : RC_SYSTEM;
}

static int run_applet(const struct applet *applet, int argc, char **argv)
{
    static char name[64];
    snprintf(name, sizeof(name), "portpicker %s", applet->name);
    applet_name = name;
    return applet->main(argc, argv);
}

int main(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    const char *called = slash ? slash + 1 : argc > 0 ? argv[0] : "";
    const struct applet *applet = find_applet(called);

    if (applet)
        return run_applet(applet, argc, argv);
    if (argc < 2) {
        list_applets(stderr);
        return RC_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return list_applets(stdout);
    if (!strcmp(argv[1], "--version")) {
        puts("portpicker " PORTPICKER_VERSION);
        return fflush(stdout) == 0 ? RC_OK : RC_SYSTEM;
    }
    applet = find_applet(argv[1]);
    if (!applet)
        die(RC_NO_APPLET, "unknown applet '%s' (see 'portpicker --help')",
            argv[1]);
    return run_applet(applet, argc - 1, argv + 1);
}
