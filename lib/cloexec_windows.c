/* SPDX-License-Identifier: Apache-2.0 */
/* cloexec_windows.c: nothing to mark on Windows: every socket is made
 * uninheritable (win/socket.c) and no program is exec'd (applets/
 * run_none.c). (Linux: cloexec_linux.c.) */
#include "portpicker.h"

const bool have_close_range = false;

int cloexec_from(int low)
{
    (void)low;
    return 0;
}
