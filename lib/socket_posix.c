/* SPDX-License-Identifier: Apache-2.0 */
/* socket_posix.c: close-on-exec and non-blocking set by fcntl after
 * socket(2), and SIGPIPE held off by blocking it around send(2): POSIX
 * alone, so the POSIX build that the tests run (make test-posix) runs this
 * very file, as macOS and FreeBSD do. macOS has no SOCK_CLOEXEC nor
 * SOCK_NONBLOCK, and its MSG_NOSIGNAL is recent (in the macOS 11 SDK, from
 * which release the kernel honours it is unverified); SO_NOSIGPIPE would
 * save the two sigprocmask calls a send, but Linux has none to test it on.
 * (Linux: socket_linux.c.) */
#include "portpicker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

const bool have_socket_flags = false;

int socket_cloexec(int family, int type, bool nonblock)
{
    int fd = socket(family, type, 0);
    if (fd < 0)
        return -1;
    if (fd_set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC) < 0 ||
        (nonblock && fd_set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK) < 0)) {
        return close_keep_errno(fd);
    }
    return fd;
}

ssize_t send_nosignal(int fd, const void *buf, size_t len)
{
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &pipe_only, &old) < 0)
        return -1;
    ssize_t n = send(fd, buf, len, 0);
    int saved = errno;
    /* A SIGPIPE this send raised is pending now: take it before unblocking,
     * unless one was pending (blocked by the caller) before. */
    sigset_t pending;
    if (n < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE) &&
        sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        int sig;
        sigwait(&pipe_only, &sig);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}
