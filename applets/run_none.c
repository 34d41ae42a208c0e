/* SPDX-License-Identifier: Apache-2.0 */
/* run_none.c: run's place in the applet table on Windows. run binds the
 * sockets, then execs the command with them as fds 3 and up (applets/
 * run.c, run_fds.c): Windows has neither exec nor inherited fd numbers. */
#include "applets/applets.h"
#include "portpicker.h"

int run_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    die(RC_USAGE, "run needs exec and inherited fd numbers (socket "
        "activation): not available on Windows");
}
