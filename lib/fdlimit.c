/* SPDX-License-Identifier: Apache-2.0 */
/* fdlimit.c: room for more open files.
 *
 * Both the daemon (a pidfd per owner) and pick -n (four sockets a port)
 * need more than the usual soft limit of 1024; the hard limit is usually
 * far higher and raising the soft one needs no privilege. */
#include "portpicker.h"

#include <errno.h>
#include <sys/resource.h>

int raise_fd_limit(size_t want, size_t *now)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        *now = 1024;
        return -1;
    }
    rlim_t cap = rl.rlim_max < FD_LIMIT_MAX ? rl.rlim_max : FD_LIMIT_MAX;
    rlim_t goal = want && want < cap ? (rlim_t)want : cap;
    int rc = 0;
    if (rl.rlim_cur < goal) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = goal;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
            rl.rlim_cur = was;
            rc = -1;
        }
    }
    *now = rl.rlim_cur < FD_LIMIT_MAX ? (size_t)rl.rlim_cur : FD_LIMIT_MAX;
    return rc;
}
