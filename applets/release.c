/* SPDX-License-Identifier: Apache-2.0 */
/* release.c: give ports back to the port server before their owner exits. */
#include "applets/applets.h"
#include "portpicker.h"

static const char usage[] =
"usage: portpicker release [OPTIONS] PORT...\n"
"\n"
"Give each PORT back to the port server before its owner exits, all or none.\n"
"Only the user that leased a port, or root, may release it.\n"
"\n"
SERVER_OPTION_USAGE
COMMON_OPTION_USAGE("     ")
"\n"
"Exit codes:\n";

static const int exits[] = {
    RC_OK, RC_USAGE, RC_SYSTEM, RC_NOT_HELD, RC_REFUSED, RC_UNREACHABLE,
    RC_TIMEOUT, RC_BAD_REPLY, RC_UNSUPPORTED, RC_SERVER_FAILED, -1,
};

#include <stdio.h>

static const struct option_spec specs[] = {
    SERVER_OPTION_SPECS,
    {0, 0, 0, 0},
};

static struct {
    struct server_opts server;
    unsigned ports[PROTO_MAX_PORTS];
    unsigned nports;
} TT;

static void parse_args(int argc, char **argv)
{
    struct args a;
    int id;

    args_init(&a, argc, argv, usage, exits);
    server_args_init(&TT.server);
    while ((id = args_next(&a, specs)) != ARGS_END) {
        if (server_args_take(&TT.server, id, a.value))
            continue;
        /* The request's limit, named before anything is sent. */
        if (TT.nports == PROTO_MAX_PORTS)
            die(RC_USAGE, "too many PORTs: a release holds at most %d "
                "(PROTO_MAX_PORTS)", PROTO_MAX_PORTS);
        TT.ports[TT.nports++] = parse_port("PORT", a.value);
    }
    if (TT.nports == 0)
        die(RC_USAGE, "missing PORT (see --help)");
    server_args_finish(&TT.server);
    server_args_require(&TT.server);
}

int release_main(int argc, char **argv)
{
    char err[ASK_ERR_SIZE];
    parse_args(argc, argv);
    int rc = ask_release(TT.server.address, TT.ports, TT.nports,
                            TT.server.timeout, err, sizeof(err));
    if (rc != RC_OK)
        die(rc, "%s", err);
    return RC_OK;
}
