/* SPDX-License-Identifier: Apache-2.0 */
/* clock_syscall_posix.c: clock_gettime as the C library does it; the
 * vDSO's page faults that the Linux file avoids are Linux's.
 * (Linux: clock_syscall_linux.c.) */
#include "portpicker.h"

const bool have_raw_clock = false;

void clock_read_syscall(struct timespec *ts)
{
    /* CLOCK_MONOTONIC cannot fail with a valid clock id. */
    clock_gettime(CLOCK_MONOTONIC, ts);
}
