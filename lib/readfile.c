/* SPDX-License-Identifier: Apache-2.0 */
/* readfile.c: read a small /proc file whole, with plain syscalls. */
#include "portpicker.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

ssize_t read_small_file(const char *path, char *buf, size_t len)
{
    /* openat, not open: musl's open follows O_CLOEXEC with an fcntl for
     * kernels older than 2.6.23, a syscall per file that pick pays thrice. */
    int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len - 1) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            return close_keep_errno(fd);
        }
        if (n == 0)
            break;
        /* /proc gives a file's whole text in one read when the buffer
         * holds it (a sysctl gives it then or never: a read at an offset
         * is the end), so a short read is the end; reading on to see 0
         * would be a syscall a file for nothing. */
        bool short_read = (size_t)n < len - 1 - got;
        got += (size_t)n;
        if (short_read)
            break;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}
