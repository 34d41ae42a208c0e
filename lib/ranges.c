/* ranges.c: sets of ports, the "LO-HI,LO-HI" syntax, and the ports the
 * kernel keeps for itself. */
#include "portpicker.h"

#include <stdio.h>
#include <stdlib.h>
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

void portset_remove(struct portset *set, unsigned lo, unsigned hi)
{
    for (unsigned p = lo; p <= hi && p <= PORT_MAX; p++)
        set->bits[p / 64] &= ~(UINT64_C(1) << (p % 64));
}

bool portset_has(const struct portset *set, unsigned port)
{
    return port <= PORT_MAX && (set->bits[port / 64] >> (port % 64)) & 1;
}

void portset_subtract(struct portset *set, const struct portset *other)
{
    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
        set->bits[i] &= ~other->bits[i];
}

size_t portset_count(const struct portset *set)
{
    size_t count = 0;
    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
        count += (size_t)__builtin_popcountll(set->bits[i]);
    return count;
}

size_t portset_list(const struct portset *set, uint16_t *out)
{
    size_t n = 0;
    for (unsigned p = 1; p <= PORT_MAX; p++)
        if (portset_has(set, p))
            out[n++] = (uint16_t)p;
    return n;
}

/* One "PORT" or "LO-HI" of length len at part. */
static int parse_part(const char *part, size_t len, unsigned *lo, unsigned *hi,
                      char *err, size_t errlen)
{
    char text[32], why[96];
    int q = quotable(part, len);
    const char *more = (size_t)q < len ? "..." : "";
    if (len == 0 || len >= sizeof(text)) {
        snprintf(err, errlen, "'%.*s%s' is not PORT or LO-HI", q, part, more);
        return -1;
    }
    memcpy(text, part, len);
    text[len] = '\0';
    char *dash = strchr(text + 1, '-');
    if (dash)
        *dash = '\0';
    unsigned long a, b;
    if (parse_ulong_in(text, 1, PORT_MAX, &a, why, sizeof(why)) ||
        (dash && parse_ulong_in(dash + 1, 1, PORT_MAX, &b, why, sizeof(why)))) {
        snprintf(err, errlen, "in '%.*s%s': port %s", q, part, more, why);
        return -1;
    }
    if (!dash)
        b = a;
    if (a > b) {
        snprintf(err, errlen, "'%.*s' is inverted (low end above high end)",
                 (int)len, part);
        return -1;
    }
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

int portset_parse(struct portset *set, const char *spec, char *err,
                  size_t errlen)
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
        portset_add(set, lo, hi);
        if (!comma)
            return 0;
        part = comma + 1;
    }
}

int portset_remove_kernel_ports(struct portset *set)
{
    char buf[4096];
    unsigned lo, hi;
    int status = 0;

    if (read_small_file("/proc/sys/net/ipv4/ip_local_port_range", buf,
                        sizeof(buf)) >= 0 &&
        sscanf(buf, "%u %u", &lo, &hi) == 2)
        portset_remove(set, lo, hi);
    else
        status = -1;
    /* "1000,2000-2010" or empty; a read failure leaves the set alone. */
    if (read_small_file("/proc/sys/net/ipv4/ip_local_reserved_ports", buf,
                        sizeof(buf)) >= 0) {
        for (char *part = strtok(buf, ",\n"); part; part = strtok(NULL, ",\n")) {
            int n = sscanf(part, "%u-%u", &lo, &hi);
            if (n == 1)
                hi = lo;
            if (n >= 1)
                portset_remove(set, lo, hi);
        }
    } else {
        status = -1;
    }
    return status;
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
        char part[16];
        int n = q == p ? snprintf(part, sizeof(part), "%s%u", used ? "," : "", p)
                       : snprintf(part, sizeof(part), "%s%u-%u", used ? "," : "", p, q);
        if (n < 0 || used + (size_t)n + 4 >= len) {
            if (used + 4 < len)
                strcpy(buf + used, "...");
            return;
        }
        memcpy(buf + used, part, (size_t)n + 1);
        used += (size_t)n;
        p = q;
    }
}
