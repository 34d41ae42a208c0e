/* SPDX-License-Identifier: Apache-2.0 */
/* server_args.c: --server and --timeout, the same for every applet that
 * talks to a port server, and where the address comes from otherwise. */
#include "portpicker.h"

#include <stdlib.h>
#include <string.h>

void server_args_init(struct server_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->timeout = PORTPICKER_DEFAULT_TIMEOUT_S;
}

bool server_args_take(struct server_opts *opts, int id, const char *value)
{
    switch (id) {
    case OPT_SERVER:
        /* "check --server -q" once asked "is it up?" with the address from
         * the environment; now the -q would be taken for the address. */
        if (value[0] == '-')
            die(RC_USAGE, "--server needs an address (@NAME or a socket path), "
                "not %s", QUOTED(value));
        opts->address = value;
        return true;
    case OPT_TIMEOUT:
        /* No answer can come in no time: poll counts in milliseconds. */
        opts->timeout = parse_seconds("--timeout", value, 0.001, 3600);
        return true;
    default:
        return false;
    }
}

void server_args_finish(struct server_opts *opts)
{
    /* Set but empty means no server, as in python_portpicker. */
    if (!opts->address) {
        const char *env = getenv("PORTSERVER_ADDRESS");
        opts->address = env && *env ? env : NULL;
    }
    if (opts->address && !*opts->address)
        die(RC_USAGE, "--server: empty address");
}

void server_args_require(const struct server_opts *opts)
{
    if (!opts->address)
        die(RC_UNREACHABLE, "no port server: set PORTSERVER_ADDRESS or use "
            "--server ADDR");
}
