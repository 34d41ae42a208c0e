/* SPDX-License-Identifier: Apache-2.0 */
/* seed_getrandom.c: random bytes from getrandom(2), without blocking.
 * (Elsewhere: seed_getentropy.c.) */
#include "portpicker.h"

#include <sys/random.h>

const bool have_getrandom = true;

int random_seed(void *buf, size_t len)
{
    return getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len ? 0 : -1;
}
