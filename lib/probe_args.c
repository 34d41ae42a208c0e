/* SPDX-License-Identifier: Apache-2.0 */
/* probe_args.c: --tcp, --udp, -4, -6 and --host, the same for every applet
 * that probes. Each narrows; naming both of a pair means both. */
#include "portpicker.h"

#include <netinet/in.h>
#include <string.h>

void probe_args_init(struct probe_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
}

bool probe_args_take(struct probe_opts *opts, int id, const char *value)
{
    char err[160];
    switch (id) {
    case OPT_TCP:
        opts->tcp = true;
        return true;
    case OPT_UDP:
        opts->udp = true;
        return true;
    case OPT_IPV4:
        opts->ipv4 = true;
        return true;
    case OPT_IPV6:
        opts->ipv6 = true;
        return true;
    case OPT_HOST:
        if (probe_opts_set_host(opts, value, err, sizeof(err)))
            die(RC_USAGE, "--host: %s", err);
        return true;
    default:
        return false;
    }
}

void probe_args_finish(struct probe_opts *opts)
{
    if (!opts->tcp && !opts->udp)
        opts->tcp = opts->udp = true;
    if (opts->has_host) {
        bool v6 = opts->host_family == AF_INET6;
        if ((v6 && opts->ipv4 && !opts->ipv6) || (!v6 && opts->ipv6 && !opts->ipv4))
            die(RC_USAGE, "--host: an IPv%c address contradicts -%c",
                v6 ? '6' : '4', v6 ? '4' : '6');
        opts->ipv4 = !v6;
        opts->ipv6 = v6;
    }
    if (!opts->ipv4 && !opts->ipv6)
        opts->ipv4 = opts->ipv6 = true;
}
