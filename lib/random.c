/* SPDX-License-Identifier: Apache-2.0 */
/* random.c: where pick starts its scan. Not for secrets; only spread. */
#include "portpicker.h"

#include <time.h>
#include <unistd.h>

static uint64_t state;

/* splitmix64: small, fast, good enough to spread pickers over a range. */
static uint64_t next(void)
{
    if (state == 0) {
        /* The kernel's source may be missing (old kernel, seccomp): fall
         * back to a seed that still differs between concurrent pickers. */
        if (random_seed(&state, sizeof(state)) < 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
                    ((uint64_t)getpid() << 16);
        }
        state |= 1;
    }
    uint64_t z = (state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint32_t random_below(uint32_t bound)
{
    return (uint32_t)(next() % bound);
}
