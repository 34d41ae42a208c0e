/* SPDX-License-Identifier: Apache-2.0 */
/* writeall.c: write a buffer whole, through short writes and signals. */
#include "lib/sys.h"

#include <errno.h>
#include <unistd.h>

int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
