/* SPDX-License-Identifier: Apache-2.0 */
/* ranges.c: sets of ports as sorted intervals, the "LO-HI,LO-HI" syntax,
 * and the ports the kernel keeps for itself.
 *
 * pick works on intervals so that its cost follows the ports it probes, not
 * the 65,535 a bitmap would walk: the default pool less the kernel's ephemeral
 * range is one or two intervals, and the random start is drawn inside them.
 * Intervals are kept sorted, disjoint and not adjacent (merged), so there
 * are at most RANGES_MAX of them and every operation is a short scan. */
#include "portpicker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index of the first interval that ends at or after port: a binary
 * search, so a long list added in order costs n log n, not n squared. */
static size_t first_ending_from(const struct port_ranges *r, unsigned port)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->iv[mid].hi < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void ranges_remove(struct port_ranges *r, unsigned lo, unsigned hi)
{
    size_t a = first_ending_from(r, lo), b = a;
    while (b < r->n && r->iv[b].lo <= hi)
        b++;
    if (a == b)
        return;
    /* [a, b) overlap [lo, hi]: keep what sticks out on either side. */
    struct port_interval left = r->iv[a], right = r->iv[b - 1];
    struct port_interval keep[2];
    size_t k = 0;
    if (left.lo < lo)
        keep[k++] = (struct port_interval){left.lo, (uint16_t)(lo - 1)};
    if (right.hi > hi)
        keep[k++] = (struct port_interval){(uint16_t)(hi + 1), right.hi};
    /* A split (k == 2 from one interval) leaves a hole of at least one port
     * between the halves, so r->n never exceeds RANGES_MAX. */
    memmove(&r->iv[a + k], &r->iv[b], (r->n - b) * sizeof(r->iv[0]));
    memcpy(&r->iv[a], keep, k * sizeof(keep[0]));
    r->n = r->n - (b - a) + k;
}

void ranges_add(struct port_ranges *r, unsigned lo, unsigned hi)
{
    if (hi > PORT_MAX)
        hi = PORT_MAX;
    if (lo < 1)
        lo = 1;
    if (lo > hi)
        return;
    ranges_remove(r, lo, hi);
    size_t at = first_ending_from(r, lo);
    /* Merge with an adjacent neighbour on either side. */
    if (at > 0 && r->iv[at - 1].hi + 1u == lo) {
        lo = r->iv[--at].lo;
        memmove(&r->iv[at], &r->iv[at + 1], (r->n - at - 1) * sizeof(r->iv[0]));
        r->n--;
    }
    if (at < r->n && r->iv[at].lo == hi + 1u) {
        r->iv[at].lo = (uint16_t)lo;
        return;
    }
    memmove(&r->iv[at + 1], &r->iv[at], (r->n - at) * sizeof(r->iv[0]));
    r->iv[at] = (struct port_interval){(uint16_t)lo, (uint16_t)hi};
    r->n++;
}

size_t ranges_count(const struct port_ranges *r)
{
    size_t count = 0;
    for (size_t i = 0; i < r->n; i++)
        count += (size_t)r->iv[i].hi - r->iv[i].lo + 1;
    return count;
}

struct ranges_cursor ranges_at(const struct port_ranges *r, size_t nth)
{
    size_t i = 0;
    while (nth > (size_t)r->iv[i].hi - r->iv[i].lo) {
        nth -= (size_t)r->iv[i].hi - r->iv[i].lo + 1;
        i++;
    }
    return (struct ranges_cursor){i, r->iv[i].lo + (unsigned)nth};
}

void ranges_next(const struct port_ranges *r, struct ranges_cursor *c)
{
    if (c->port < r->iv[c->index].hi) {
        c->port++;
        return;
    }
    c->index = (c->index + 1) % r->n;
    c->port = r->iv[c->index].lo;
}

/* One "PORT" or "LO-HI" of length len at part. */
static int parse_part(const char *part, size_t len, unsigned *lo, unsigned *hi,
                      char *err, size_t errlen)
{
    char text[32], why[QUOTE_SIZE + 64], whole[QUOTE_BYTES + 2];
    /* the part alone, for messages: enough of it for quote() to cut */
    size_t wlen = len < sizeof(whole) - 1 ? len : sizeof(whole) - 1;
    memcpy(whole, part, wlen);
    whole[wlen] = '\0';
    if (len == 0 || len >= sizeof(text)) {
        snprintf(err, errlen, "%s is not PORT or LO-HI", QUOTED(whole));
        return -1;
    }
    memcpy(text, part, len);
    text[len] = '\0';
    char *dash = strchr(text + 1, '-');
    if (dash)
        *dash = '\0';
    unsigned long a, b;
    if (parse_ulong_in(text, 10, 1, PORT_MAX, &a, why, sizeof(why)) ||
        (dash && parse_ulong_in(dash + 1, 10, 1, PORT_MAX, &b, why, sizeof(why)))) {
        snprintf(err, errlen, "in %s: port %s", QUOTED(whole), why);
        return -1;
    }
    if (!dash)
        b = a;
    if (a > b) {
        snprintf(err, errlen, "%s is inverted (low end above high end)",
                 QUOTED(whole));
        return -1;
    }
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

int ranges_each(const char *spec, void (*take)(void *, unsigned, unsigned),
                void *ctx, char *err, size_t errlen)
{
    if (*spec == '\0') {
        snprintf(err, errlen, "empty range");
        return -1;
    }
    for (const char *part = spec;;) {
        const char *comma = strchr(part, ',');
        size_t len = comma ? (size_t)(comma - part) : strlen(part);
        unsigned lo, hi;
        if (parse_part(part, len, &lo, &hi, err, errlen))
            return -1;
        take(ctx, lo, hi);
        if (!comma)
            return 0;
        part = comma + 1;
    }
}

static void take_interval(void *ranges, unsigned lo, unsigned hi)
{
    ranges_add(ranges, lo, hi);
}

int ranges_parse(struct port_ranges *r, const char *spec, char *err,
                 size_t errlen)
{
    return ranges_each(spec, take_interval, r, err, errlen);
}

static void remove_interval(void *ranges, unsigned lo, unsigned hi)
{
    ranges_remove(ranges, lo, hi);
}

/* The longest reserved-ports list the kernel can print: every other port,
 * "N," for each, at most 6 bytes a port. */
#define RESERVED_TEXT_MAX ((PORT_MAX + 1) / 2 * 6 + 2)

/* Remove the kernel's reserved ports ("1000,2000-2010\n", or "\n") from
 * r. The kernel prints the list in one read or not at all (a read at an
 * offset is the end), so the buffer must hold it whole. It is nearly always
 * short: a small buffer first, on the stack, since a page-sized one would
 * cost every pick a page fault, more than the rest of this (docs/bench.md);
 * a list that fills it is read again into one that holds any list.
 * Returns 0, or -1 with errno when the list could not be read. */
static int remove_reserved(struct port_ranges *r)
{
    char small[128], *big = NULL;
    char *text = small;
    ssize_t n = reserved_ports_read(small, sizeof(small));
    if (n == (ssize_t)sizeof(small) - 1) {
        /* A list cut at the buffer's end is not the list. */
        if (!(big = malloc(RESERVED_TEXT_MAX)))
            return -1;
        n = reserved_ports_read(big, RESERVED_TEXT_MAX);
        text = big;
    }
    /* The list is in --range's syntax, so ranges_each reads it. A list
     * that is not there (no /proc, a sandbox hiding it) leaves nothing out:
     * the kernel's own default is an empty list. A read that failed
     * (EMFILE, EIO) says nothing of it: the ports it names would be picked,
     * so that is an error, never an empty list. */
    char why[160];
    int status = 0;
    if (n < 0 && errno != ENOENT && errno != EACCES && errno != EPERM)
        status = -1;
    else if (n > 0) {
        text[strcspn(text, "\n")] = '\0';
        if (*text)
            ranges_each(text, remove_interval, r, why, sizeof(why));
    }
    int saved = errno;
    free(big);
    errno = saved;
    return status;
}

int ranges_remove_kernel_ports(struct port_ranges *r, const char **guess)
{
    unsigned lo, hi;
    *guess = NULL;
    ephemeral_range(&lo, &hi, guess); /* -1: *guess says what it assumed */
    ranges_remove(r, lo, hi);
    return remove_reserved(r);
}

bool format_interval(char *buf, size_t len, size_t *used, unsigned lo,
                     unsigned hi)
{
    char part[16];
    const char *sep = *used ? "," : "";
    int n = lo == hi ? snprintf(part, sizeof(part), "%s%u", sep, lo)
                     : snprintf(part, sizeof(part), "%s%u-%u", sep, lo, hi);
    if (n < 0 || *used + (size_t)n + 4 >= len) {
        if (*used + 4 < len)
            strcpy(buf + *used, "...");
        return false;
    }
    memcpy(buf + *used, part, (size_t)n + 1);
    *used += (size_t)n;
    return true;
}

void ranges_format(const struct port_ranges *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++)
        if (!format_interval(buf, len, &used, r->iv[i].lo, r->iv[i].hi))
            return;
}

ssize_t ranges_candidates(struct port_ranges *pool,
                          const struct port_ranges *range,
                          const struct port_ranges *exclude, char *err,
                          size_t errlen, const char **guessed)
{
    pool->n = 0;
    if (!range || range->n == 0)
        ranges_add(pool, PORTPICKER_DEFAULT_POOL_LO, PORTPICKER_DEFAULT_POOL_HI);
    for (size_t i = 0; range && i < range->n; i++)
        ranges_add(pool, range->iv[i].lo, range->iv[i].hi);
    const char *guess = NULL;
    if (ranges_remove_kernel_ports(pool, &guess) < 0) {
        snprintf(err, errlen, "reading the kernel's reserved ports");
        return -1;
    }
    if (guessed)
        *guessed = guess;
    for (size_t i = 0; exclude && i < exclude->n; i++)
        ranges_remove(pool, exclude->iv[i].lo, exclude->iv[i].hi);
    size_t n = ranges_count(pool);
    if (n == 0) {
        char text[128];
        if (range && range->n)
            ranges_format(range, text, sizeof(text));
        else
            snprintf(text, sizeof(text), "%u-%u", PORTPICKER_DEFAULT_POOL_LO,
                     PORTPICKER_DEFAULT_POOL_HI);
        snprintf(err, errlen, "no port left to pick in %s once excludes, the "
                 "ephemeral range and reserved ports are left out", text);
    }
    return (ssize_t)n;
}
