/* SPDX-License-Identifier: Apache-2.0 */
/* cloexec_posix.c: descriptors from N up close-on-exec without
 * close_range(2): every number up to the limit, as POSIX allows nothing
 * better (FreeBSD 13's close_range and macOS's /dev/fd are left unused).
 * (Linux: cloexec_linux.c.) */
#include "portpicker.h"

const bool have_close_range = false;

int cloexec_from(int low)
{
    return cloexec_below_limit(low);
}

void close_between(int low, int high)
{
    close_below_limit(low, high);
}
