/* readfile.c: read a small file (/proc, /sys) whole, with plain syscalls. */
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
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}
