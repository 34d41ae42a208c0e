/* SPDX-License-Identifier: Apache-2.0 */
/* clock_syscall_linux.c: the monotonic clock by a raw system call, not the
 * vDSO (see monotonic_seconds_syscall in lib/sys.h). (Elsewhere:
 * clock_syscall_posix.c.) */
#include "portpicker.h"

#include <sys/syscall.h>
#include <unistd.h>

const bool have_raw_clock = true;

void clock_read_syscall(struct timespec *ts)
{
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts);
}
