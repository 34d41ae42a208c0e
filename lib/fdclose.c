/* SPDX-License-Identifier: Apache-2.0 */
/* fdclose.c: closing an fd on a failure path, the failure's errno kept. */
#include "lib/sys.h"

#include <errno.h>
#include <unistd.h>

int close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
