/* SPDX-License-Identifier: Apache-2.0 */
/* portset.c: sets of ports as a bitmap of all 65,536 (8 KiB), for the
 * server's pool: membership in O(1), and a word of 64 ports at a time to
 * walk it. pick uses the intervals of ranges.c instead. */
#include "portpicker.h"

#include <string.h>

void portset_clear(struct portset *set)
{
    memset(set, 0, sizeof(*set));
}

void portset_add(struct portset *set, unsigned lo, unsigned hi)
{
    for (unsigned p = lo; p <= hi && p <= PORT_MAX; p++)
        set->bits[p / 64] |= UINT64_C(1) << (p % 64);
}

bool portset_has(const struct portset *set, unsigned port)
{
    return port <= PORT_MAX && (set->bits[port / 64] >> (port % 64)) & 1;
}

size_t portset_count(const struct portset *set)
{
    size_t count = 0;
    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
        count += (size_t)__builtin_popcountll(set->bits[i]);
    return count;
}

unsigned portset_next(const struct portset *set, unsigned port)
{
    for (unsigned p = port + 1; p <= PORT_MAX; p = (p | 63) + 1) {
        uint64_t word = set->bits[p / 64] >> (p % 64);
        if (word)
            return p + (unsigned)__builtin_ctzll(word);
    }
    return 0;
}

static void take_interval(void *set, unsigned lo, unsigned hi)
{
    portset_add(set, lo, hi);
}

int portset_parse(struct portset *set, const char *spec, char *err,
                  size_t errlen)
{
    return ranges_each(spec, take_interval, set, err, errlen);
}

void portset_format(const struct portset *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned p = 1; p <= PORT_MAX; p++) {
        if (!portset_has(set, p))
            continue;
        unsigned q = p;
        while (q < PORT_MAX && portset_has(set, q + 1))
            q++;
        if (!format_interval(buf, len, &used, p, q))
            return;
        p = q;
    }
}
