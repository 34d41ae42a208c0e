/* SPDX-License-Identifier: Apache-2.0 */
/* detach_fork.c: pick's hold runs in a forked child, detached from the
 * terminal and from pick's stdio (applets/pick.c, hold_in_background).
 * (Windows: detach_windows.c.) */
#include "portpicker.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

static int by_number(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Close every descriptor from 3 up but the n in fds: a pipe or a file the
 * caller left open (a shell's 9>&1, bats' fd 3, make's jobserver) would
 * otherwise stay open for the whole hold, and its reader wait for it. */
static void close_all_but(const int *fds, size_t n)
{
    int keep[HOLD_MAX_FDS * PROTO_MAX_PORTS]; /* pick's most */
    if (n > sizeof(keep) / sizeof(keep[0]))
        return; /* never: pick holds no more */
    for (size_t i = 0; i < n; i++)
        keep[i] = fds[i];
    qsort(keep, n, sizeof(keep[0]), by_number);
    int low = 3;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] > low)
            close_between(low, keep[i] - 1);
        if (keep[i] >= low)
            low = keep[i] + 1;
    }
    close_between(low, INT_MAX);
}

int detach_hold(const int *fds, size_t n, double seconds)
{
    (void)seconds;
    pid_t child = fork();
    if (child != 0)
        return child < 0 ? -1 : 1;
    /* $(portpicker pick $$ 5) returns at once: the child lets go of
     * stdout, and of every other descriptor but the held sockets. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        _exit(1);
    close_all_but(fds, n);
    if (setsid() < 0)
        _exit(1);
    /* Nor does it keep the caller's directory busy (an unmount). A failure
     * leaves the hold as good: nothing to report, stderr is gone. */
    if (chdir("/") < 0)
        return 0;
    return 0;
}
