/* SPDX-License-Identifier: Apache-2.0 */
/* detach_fork.c: pick's hold runs in a forked child, detached from the
 * terminal and from pick's stdio (applets/pick.c, hold_in_background).
 * (Windows: detach_windows.c.) */
#include "portpicker.h"

#include <fcntl.h>
#include <unistd.h>

int detach_hold(const int *fds, size_t n, double seconds)
{
    (void)fds;
    (void)n;
    (void)seconds;
    pid_t child = fork();
    if (child != 0)
        return child < 0 ? -1 : 1;
    /* $(portpicker pick $$ 5) returns at once: the child lets go of
     * stdout. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        _exit(1);
    if (setsid() < 0)
        _exit(1);
    return 0;
}
