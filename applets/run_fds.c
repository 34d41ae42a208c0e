/* run_fds.c: lay out the descriptors run's command inherits, as sd_listen_fds(3)
 * expects: the passed sockets at 3, 4, ... without close-on-exec, nothing
 * else above 2. Descriptors 0-2 belong to the caller and are left alone.
 *
 * Every other descriptor is marked close-on-exec, not closed: the exec may
 * still fail, and run must then be able to say so (and glibc may hold
 * descriptors of its own until then). */
#include "applets/applets.h"
#include "portpicker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return errno == EBADF ? 0 : -1;
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* The fallback before close_range(CLOSE_RANGE_CLOEXEC) (Linux 5.11):
 * the open descriptors as /proc lists them, else every number up to the
 * descriptor limit. */
static int cloexec_walk(int low)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) {
        struct rlimit lim;
        if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
            return -1;
        for (rlim_t fd = (rlim_t)low; fd < lim.rlim_cur; fd++)
            if (set_cloexec((int)fd) < 0)
                return -1;
        return 0;
    }
    int status = 0;
    struct dirent *entry;
    while (status == 0 && (entry = readdir(dir))) {
        int fd = atoi(entry->d_name);
        if (fd >= low && fd != dirfd(dir))
            status = set_cloexec(fd);
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

static int cloexec_from(int low)
{
    if (syscall(SYS_close_range, (unsigned)low, ~0u, CLOSE_RANGE_SET_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return -1;
    return cloexec_walk(low);
}

int pass_fds(int *fds, unsigned n, char *why, size_t whylen)
{
    int first_free = 3 + (int)n;

    /* Out of the way first: a socket may already sit where another goes. */
    for (unsigned i = 0; i < n; i++) {
        int high = fcntl(fds[i], F_DUPFD_CLOEXEC, first_free);
        if (high < 0) {
            snprintf(why, whylen, "fcntl(F_DUPFD)");
            return -1;
        }
        close(fds[i]);
        fds[i] = high;
    }
    for (unsigned i = 0; i < n; i++) {
        /* dup2 leaves the copy without close-on-exec: it is inherited. */
        if (dup2(fds[i], 3 + (int)i) < 0) {
            snprintf(why, whylen, "dup2");
            return -1;
        }
        close(fds[i]);
        fds[i] = 3 + (int)i;
    }
    if (cloexec_from(first_free) < 0) {
        snprintf(why, whylen, "marking descriptors close-on-exec");
        return -1;
    }
    return 0;
}
