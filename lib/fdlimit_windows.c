/* SPDX-License-Identifier: Apache-2.0 */
/* fdlimit_windows.c: Windows has no limit on open sockets to raise (they
 * are handles, bounded by memory): *now is what was asked for. (POSIX:
 * fdlimit.c.) */
#include "portpicker.h"

int raise_fd_limit(size_t want, size_t *now)
{
    *now = want ? want : FD_LIMIT_MAX;
    return 0;
}
