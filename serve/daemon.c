/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.c: what makes the server a good daemon. Linux first.
 *
 * The listening socket (abstract "@name" or a path; a path left by a dead
 * server is replaced), systemd socket activation and readiness (written by
 * hand: no libsystemd), the pidfile, files replaced whole (the metrics
 * file) and the signalfd. These helpers never exit: they return -1 and a
 * message, and the caller decides.
 *
 * Paths may sit in a directory another user can write, so nothing here
 * follows a link it did not make: files are created exclusively with
 * O_NOFOLLOW, and a socket gets its mode from the umask at bind(2), never
 * from a chmod by path that a swapped-in link would redirect. */
#include "lib/args.h"
#include "lib/client.h"
#include "lib/msg.h"
#include "lib/sys.h"
#include "serve/daemon.h"
#include "serve/log.h"
#include "serve/notes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Does a server accept connections at sun? 1 yes, 0 no (ECONNREFUSED: a
 * socket file nobody listens on), -1 with errno on another failure. */
static int answers(const struct sockaddr_un *sun, socklen_t len)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (const struct sockaddr *)sun, len);
    if (rc < 0 && errno != EAGAIN && errno != EINPROGRESS) {
        rc = errno == ECONNREFUSED ? 0 : -1;
        close_keep_errno(fd);
        return rc;
    }
    close(fd);
    return 1;
}

/* Message "path: what[: strerror]" into err; returns -1 with errno kept. */
static int fail(char *err, size_t errlen, const char *path, const char *what,
                bool with_errno)
{
    int saved = errno;
    snprintf(err, errlen, "%s: %s%s%s", path, what, with_errno ? ": " : "",
             with_errno ? strerror(saved) : "");
    errno = saved;
    return -1;
}

/* Replace the socket file at path if no server answers there. Returns 0 when
 * it was removed, or -1 with a message and errno (EADDRINUSE: a live
 * server answers). */
static int remove_stale(const char *path, const struct sockaddr_un *sun,
                        socklen_t len, struct notes *ns, char *err,
                        size_t errlen)
{
    struct stat st;
    int live = answers(sun, len);
    if (live == 1) {
        errno = EADDRINUSE;
        return fail(err, errlen, path, "a server already answers there", false);
    }
    if (live < 0)
        return fail(err, errlen, path, "connect", true);
    if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return fail(err, errlen, path, "exists and is not a socket", false);
    }
    if (unlink(path) < 0)
        return fail(err, errlen, path, "cannot remove stale socket", true);
    note(ns, LOG_INFO, "%s: replaced a stale socket", path);
    return 0;
}

/* bind(2) with the socket file's mode set as it is created: under a umask
 * that leaves exactly mode (-1: the caller's umask). The server has one
 * thread, so the umask is nobody else's meanwhile. */
static int bind_mode(int fd, const struct sockaddr_un *sun, socklen_t len, int mode)
{
    if (mode < 0)
        return bind(fd, (const struct sockaddr *)sun, len);
    mode_t was = umask((mode_t)(0777 & ~mode));
    int rc = bind(fd, (const struct sockaddr *)sun, len);
    int saved = errno;
    umask(was);
    errno = saved;
    return rc;
}

int listen_unix(const char *addr, int mode, struct notes *ns, char *err,
                size_t errlen)
{
    struct sockaddr_un sun;
    socklen_t len = unix_address(addr, &sun, err, errlen);
    if (!len) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(err, errlen, addr, "socket", true);
    bool path = addr[0] != '@';
    int bound = bind_mode(fd, &sun, len, path ? mode : -1);
    if (bound < 0 && errno == EADDRINUSE && path) {
        if (remove_stale(addr, &sun, len, ns, err, errlen) < 0)
            return close_keep_errno(fd);
        bound = bind_mode(fd, &sun, len, mode);
    }
    if (bound < 0) {
        int saved = errno;
        snprintf(err, errlen, "%s: bind: %s%s", addr, strerror(saved),
                 saved == EADDRINUSE ? " (another server is running there)" : "");
        errno = saved;
        return close_keep_errno(fd);
    }
    if (listen(fd, SOMAXCONN) < 0) {
        fail(err, errlen, addr, "listen", true);
        if (path)
            unlink(addr);
        return close_keep_errno(fd);
    }
    return fd;
}

int listen_activated(int *fd_out, struct notes *ns, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    unsigned long for_pid, nfds;
    char why[QUOTE_SIZE + 64];
    *fd_out = -1;
    /* Not a pid, or another process's: the variables are not for us. */
    if (!pid || !fds ||
        parse_ulong_in(pid, 10, 1, PROTO_PID_MAX, &for_pid, why, sizeof(why)) ||
        for_pid != (unsigned long)getpid())
        return 0;
    if (parse_ulong_in(fds, 10, 0, INT_MAX - 3, &nfds, why, sizeof(why))) {
        snprintf(err, errlen, "LISTEN_FDS: %s", why);
        errno = EINVAL;
        return -1;
    }
    if (nfds == 0)
        return 0;
    if (nfds > 1)
        note(ns, LOG_WARN, "LISTEN_FDS=%s: only the first socket (fd 3) is used",
             fds);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    int domain = 0, type = 0, listening = 0, fd = 3, flags;
    socklen_t len = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
        domain != AF_UNIX || type != SOCK_STREAM || !listening) {
        errno = ENOTSOCK;
        return fail(err, errlen, "LISTEN_FDS",
                    "fd 3 is not a listening unix stream socket", false);
    }
    if ((flags = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return fail(err, errlen, "LISTEN_FDS", "fcntl", true);
    *fd_out = fd;
    return 0;
}

int sd_notify_state(const char *state)
{
    const char *addr = getenv("NOTIFY_SOCKET");
    char err[128];
    struct sockaddr_un sun;
    if (!addr || !*addr)
        return 0;
    socklen_t len = unix_address(addr, &sun, err, sizeof(err));
    if (!len) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
               (struct sockaddr *)&sun, len) < 0)
        return close_keep_errno(fd);
    close(fd);
    return 0;
}

int file_create(const char *path, int flags, mode_t mode, struct notes *ns)
{
    flags |= O_CREAT | O_EXCL | O_NOFOLLOW;
    int fd = open(path, flags, mode);
    if (fd >= 0 || errno != EEXIST)
        return fd;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        note(ns, LOG_WARN, "%s: a symbolic link was there: removed, not followed",
             path);
    if (unlink(path) < 0 && errno != ENOENT)
        return -1;
    /* If something is back already, another process writes here: give up
     * (EEXIST) rather than race it. */
    return open(path, flags, mode);
}

int temp_create(char *tmp, size_t len, const char *path, int flags,
                struct notes *ns)
{
    int fd = -1;
    errno = ENAMETOOLONG;
    if (snprintf(tmp, len, "%s.tmp", path) < (int)len)
        fd = file_create(tmp, flags, 0644, ns);
    /* Blocked (by a directory, another's file): a name nobody can plant. */
    for (int tries = 0; fd < 0 && tries < 4 &&
         (errno == EISDIR || errno == EPERM || errno == EEXIST); tries++) {
        unsigned r = (unsigned)random_below(UINT32_MAX);
        if (snprintf(tmp, len, "%s.tmp.%08x", path, r) >= (int)len)
            errno = ENAMETOOLONG;
        else
            fd = open(tmp, flags | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
    }
    return fd;
}

int file_replace(const char *path, const char *text, size_t len,
                 struct notes *ns)
{
    char tmp[4096];
    int fd = temp_create(tmp, sizeof(tmp), path, O_WRONLY | O_CLOEXEC, ns);
    if (fd < 0)
        return -1;
    /* 0644 whatever the umask (the unit's is 0077): node_exporter runs as
     * another user, and the metrics are no secret (v1 metrics answers
     * every local user). close can report a write that failed late (NFS,
     * a full quota). */
    if (fchmod(fd, 0644) < 0 || write_all(fd, text, len) < 0)
        close_keep_errno(fd);
    else if (close(fd) == 0 && rename(tmp, path) == 0)
        return 0;
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return -1;
}

int pidfile_write(const char *path, struct notes *ns)
{
    char line[32];
    int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
    int fd = file_create(path, O_WRONLY | O_CLOEXEC, 0644, ns);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, line, (size_t)len);
    if (n != len) {
        if (n >= 0)
            errno = EIO;
        return close_keep_errno(fd);
    }
    return close(fd);
}

int signals_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
        sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}
