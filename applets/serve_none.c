/* SPDX-License-Identifier: Apache-2.0 */
/* serve_none.c: the port server's place in the applet table off Linux.
 * The daemon (applets/serve.c, serve/) stays Linux-only: it watches each
 * owner through a pidfd in epoll, takes signals from a signalfd, asks the
 * peer's pid with SO_PEERCRED and reads /proc/PID. The clients work with a
 * server elsewhere, over a socket path. */
#include "applets/applets.h"
#include "portpicker.h"

const bool have_serve = false;

int serve_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    die(RC_USAGE, "the port server needs Linux (it watches each lease's owner "
        "with pidfd, epoll and /proc): this build has the client applets only");
}
