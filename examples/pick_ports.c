/* SPDX-License-Identifier: Apache-2.0 */
/* pick_ports.c: what a C or C++ test suite does with portpicker_client.h.
 *
 *   pick_ports              one port, the legacy request (any port server)
 *   pick_ports NAME...      one port per NAME, then the server's status,
 *                           then the ports given back early (v1)
 *
 * The server is PORTSERVER_ADDRESS's. Prints NAME=PORT lines (PORT alone
 * without names) and "status: ..."; on failure, the client's message and
 * exit 1. Build: cc -std=c99 pick_ports.c $(pkg-config --cflags portpicker) */
#include <portpicker_client.h>

static int fail(const struct portpicker *pp, const char *what)
{
    fprintf(stderr, "pick_ports: %s: %s\n", what, pp->error);
    return 1;
}

int main(int argc, char **argv)
{
    struct portpicker pp;
    unsigned ports[PROTO_MAX_NAMES];
    char status[256];
    unsigned n = (unsigned)argc - 1;
    memset(&pp, 0, sizeof(pp));
    if (n > PROTO_MAX_NAMES) {
        fprintf(stderr, "pick_ports: at most %d NAMEs\n", PROTO_MAX_NAMES);
        return 2;
    }
    if (n == 0) {
        if (portpicker_pick(&pp, 0, 1, NULL, ports) != PORTPICKER_OK)
            return fail(&pp, "pick");
        printf("%u\n", ports[0]);
        return 0;
    }
    if (portpicker_pick(&pp, 0, n, (const char *const *)(argv + 1), ports) !=
        PORTPICKER_OK)
        return fail(&pp, "pick");
    for (unsigned i = 0; i < n; i++)
        printf("%s=%u\n", argv[i + 1], ports[i]);
    if (portpicker_status(&pp, status, sizeof(status)) != PORTPICKER_OK)
        return fail(&pp, "status");
    printf("status: %s\n", status);
    if (portpicker_release(&pp, ports, n) != PORTPICKER_OK)
        return fail(&pp, "release");
    return 0;
}
