/* SPDX-License-Identifier: Apache-2.0 */
/* seed_getentropy.c: random bytes from getentropy(3): POSIX 2024, in
 * macOS 10.12, FreeBSD 12, OpenBSD, glibc 2.25 and musl. (Linux:
 * seed_getrandom.c.) */
#include "portpicker.h"

#include <sys/random.h>
#include <unistd.h>

const bool have_getrandom = false;

int random_seed(void *buf, size_t len)
{
    return getentropy(buf, len);
}
