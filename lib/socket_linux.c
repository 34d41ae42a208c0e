/* SPDX-License-Identifier: Apache-2.0 */
/* socket_linux.c: close-on-exec and non-blocking as socket(2) flags, and
 * MSG_NOSIGNAL: no syscall more than the socket and the send themselves.
 * (Elsewhere: socket_posix.c.) */
#include "portpicker.h"

#include <sys/socket.h>

const bool have_socket_flags = true;

int socket_cloexec(int family, int type, bool nonblock)
{
    return socket(family, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
}

ssize_t send_nosignal(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, MSG_NOSIGNAL);
}
