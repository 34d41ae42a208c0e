/* SPDX-License-Identifier: Apache-2.0 */
/* socket_windows.c: sockets on Windows (win/socket.c starts Winsock and
 * makes them uninheritable, close-on-exec's counterpart). Every IP socket
 * is SO_EXCLUSIVEADDRUSE: Microsoft's "Using SO_REUSEADDR and
 * SO_EXCLUSIVEADDRUSE" table has a socket with it fail to bind over any
 * holder of the port, wildcard or specific, while a socket without it may
 * share with a SO_REUSEADDR holder, and SO_REUSEADDR lets a socket steal a
 * bound port (win/socket.c refuses to set it). No SIGPIPE on Windows: send
 * is send. (Linux: socket_linux.c.) */
#include "portpicker.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

const bool have_socket_flags = false;

int socket_cloexec(int family, int type, bool nonblock)
{
    int fd = socket(family, type, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (((family == AF_INET || family == AF_INET6) &&
         setsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, &one, sizeof(one)) < 0) ||
        (nonblock && win_set_nonblock(fd) < 0)) {
        return close_keep_errno(fd);
    }
    return fd;
}

ssize_t send_nosignal(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, 0);
}
