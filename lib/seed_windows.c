/* SPDX-License-Identifier: Apache-2.0 */
/* seed_windows.c: random bytes from BCryptGenRandom, the system's
 * preferred generator (bcrypt.dll, Vista and later). (Linux:
 * seed_getrandom.c.) */
#include "portpicker.h"

#include <errno.h>
#include <windows.h>
#include <bcrypt.h>

const bool have_getrandom = false;

int random_seed(void *buf, size_t len)
{
    if (BCryptGenRandom(NULL, buf, (ULONG)len,
                        BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}
