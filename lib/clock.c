/* SPDX-License-Identifier: Apache-2.0 */
/* clock.c: the one monotonic clock, for timeouts, timers and ages. */
#include "portpicker.h"

#include <errno.h>
#include <time.h>

/* ts in milliseconds, + 1 so that 0 is free to mean "never" (an unarmed
 * timer). */
static int64_t ms_of(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 + 1;
}

int64_t monotonic_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid clock id. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ms_of(&ts);
}

int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double monotonic_seconds(void)
{
    return (double)monotonic_ms() / 1000;
}

double monotonic_seconds_syscall(void)
{
    struct timespec ts;
    clock_read_syscall(&ts);
    return (double)ms_of(&ts) / 1000;
}

void sleep_ms(unsigned ms)
{
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}
