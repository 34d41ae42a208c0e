/* SPDX-License-Identifier: Apache-2.0 */
/* fdflags.c: set one flag of a descriptor, for systems and paths where it
 * cannot be asked for when the descriptor is made; fill the standard
 * descriptors a caller closed. */
#include "portpicker.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

int fd_set_flag(int fd, int get, int set, int flag)
{
    int flags = fcntl(fd, get);
    if (flags < 0)
        return -1;
    return (flags & flag) ? 0 : fcntl(fd, set, flags | flag);
}

int std_fds_fill(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* The lowest free number, fd itself: those below are open now.
         * Not close-on-exec: run's command finds the number taken too. */
        if (open("/dev/null", O_RDONLY) < 0)
            return -1;
    }
    return 0;
}

int cloexec_below_limit(int low)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
        return -1;
    /* An unlimited soft limit (macOS allows one) is bounded by the kernel's
     * per-process maximum, far below FD_LIMIT_MAX. */
    rlim_t end = lim.rlim_cur < FD_LIMIT_MAX ? lim.rlim_cur : FD_LIMIT_MAX;
    for (rlim_t fd = (rlim_t)low; fd < end; fd++)
        if (fd_set_flag((int)fd, F_GETFD, F_SETFD, FD_CLOEXEC) < 0 &&
            errno != EBADF)
            return -1;
    return 0;
}

void close_below_limit(int low, int high)
{
    struct rlimit lim;
    /* No limit to be read: what the kernel allows by default. */
    rlim_t end = getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 1024;
    if (end > FD_LIMIT_MAX)
        end = FD_LIMIT_MAX;
    /* EBADF: not open; any other failure still closed it (POSIX leaves
     * EINTR's undefined, Linux and the BSDs close first). */
    for (rlim_t fd = (rlim_t)low; fd < end && fd <= (rlim_t)high; fd++)
        close((int)fd);
}
