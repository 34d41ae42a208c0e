/* clock.c: monotonic time for timeouts and polls. */
#include "portpicker.h"

#include <errno.h>
#include <time.h>

double monotonic_seconds(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid clock id. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned ms)
{
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}
