/* SPDX-License-Identifier: Apache-2.0 */
/* cloexec_linux.c: descriptors from N up close-on-exec, by close_range(2)
 * in one syscall, else as /proc/self/fd lists them, else every number up
 * to the limit. (Elsewhere: cloexec_posix.c.) */
#include "portpicker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

const bool have_close_range = true;

/* The fallback before close_range(CLOSE_RANGE_CLOEXEC) (Linux 5.11). */
static int cloexec_walk(int low)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return cloexec_below_limit(low);
    int status = 0;
    struct dirent *entry;
    while (status == 0 && (entry = readdir(dir))) {
        unsigned long fd; /* "." and ".." are no number */
        if (!parse_ulong_in(entry->d_name, 10, (unsigned long)low, INT_MAX, &fd,
                            NULL, 0) &&
            (int)fd != dirfd(dir) &&
            fd_set_flag((int)fd, F_GETFD, F_SETFD, FD_CLOEXEC) < 0 &&
            errno != EBADF)
            status = -1;
    }
    int saved = errno;
    closedir(dir);
    errno = saved;
    return status;
}

/* close_range(2) by number: musl has no wrapper (Linux 5.11+; older
 * kernels say ENOSYS or EINVAL, and we walk /proc/self/fd instead). */
#ifndef SYS_close_range
#define SYS_close_range 436 /* the same on every architecture */
#endif
#define CLOSE_RANGE_SET_CLOEXEC (1u << 2) /* linux/close_range.h */

int cloexec_from(int low)
{
    if (syscall(SYS_close_range, (unsigned)low, ~0u, CLOSE_RANGE_SET_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return -1;
    return cloexec_walk(low);
}

void close_between(int low, int high)
{
    if (syscall(SYS_close_range, (unsigned)low, (unsigned)high, 0u) < 0)
        close_below_limit(low, high); /* before Linux 5.9 */
}
