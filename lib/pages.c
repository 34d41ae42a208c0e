/* SPDX-License-Identifier: Apache-2.0 */
/* pages.c: big zeroed tables that cost memory only where they are written.
 *
 * calloc may write every byte of what it returns (musl's does, to clear a
 * reused chunk), or hand out dirty memory it must clear: either way the
 * whole table is resident at once. An anonymous mapping is zero and the
 * kernel backs a page only at its first write, so a table sized for the
 * worst case costs what is used. */
#include "portpicker.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

/* mmap(2) refuses a length of 0. */
static size_t length(size_t n, size_t size)
{
    return n && size ? n * size : 1;
}

void *pages_alloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = mmap(NULL, length(n, size), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void pages_free(void *p, size_t n, size_t size)
{
    if (p)
        munmap(p, length(n, size));
}
