/* SPDX-License-Identifier: Apache-2.0 */
/* cloexec_windows.c: nothing to mark on Windows: every socket is made
 * uninheritable (win/socket.c) and no program is exec'd (applets/
 * run_none.c); nor to fill: a socket is a handle, never descriptor 0-2.
 * (Linux: cloexec_linux.c, lib/fdflags.c.) */
#include "portpicker.h"

const bool have_close_range = false;

int std_fds_fill(void)
{
    return 0;
}

int cloexec_from(int low)
{
    (void)low;
    return 0;
}
