/* clock.c: the one monotonic clock, for timeouts, timers and ages. */
#include "portpicker.h"

#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int64_t monotonic_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid clock id. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* + 1 so that 0 is free to mean "never" (an unarmed timer). */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

double monotonic_seconds(void)
{
    return (double)monotonic_ms() / 1000;
}

double monotonic_seconds_syscall(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned ms)
{
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}
