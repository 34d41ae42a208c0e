/* SPDX-License-Identifier: Apache-2.0 */
/* proc_fields.c: numbers out of /proc's text. The kernel writes them as
 * plain digits; anything else there (a sign, no digits, more than 64 bits)
 * means a file we misread, so it fails instead of being read as some
 * number, as strtol would. Pure: tests/proc_fields.c feeds it alone. */
#include "lib/args.h"
#include "serve/proc_fields.h"

#include <string.h>

/* Digits of a number up to 2^64 (20), and one more to tell it too long. */
#define NUMBER_MAX 21

/* The number at *p, up to a blank, newline or the end, into *v; *p moves
 * past it. 0, or -1 when it is not one of 0..hi. */
static int take_number(const char **p, unsigned long long hi,
                       unsigned long long *v)
{
    char digits[NUMBER_MAX + 1];
    size_t n = strcspn(*p, " \t\n");
    if (n == 0 || n > NUMBER_MAX)
        return -1;
    memcpy(digits, *p, n);
    digits[n] = '\0';
    *p += n;
    return parse_ullong_in(digits, 10, 0, hi, v, NULL, 0);
}

int proc_stat_field(const char *stat, int n, unsigned long long *v)
{
    /* The command name, field 2, may hold spaces and ')': fields count
     * from the last ')', which ends it. */
    const char *p = strrchr(stat, ')');
    if (!p || p[1] != ' ' || n < 3)
        return -1;
    p += 2;
    for (int field = 3; field < n; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    return take_number(&p, (unsigned long long)-1, v);
}

int proc_status_numbers(const char *status, const char *key,
                        unsigned long long hi, unsigned long long *v, int max)
{
    const char *p = strstr(status, key);
    int n = 0;
    if (!p)
        return 0;
    p += strlen(key);
    while (n < max) {
        p += strspn(p, " \t");
        if (*p == '\n' || !*p)
            break;
        if (take_number(&p, hi, &v[n]) < 0)
            return -1;
        n++;
    }
    return n;
}

int proc_number(const char *text, unsigned long long hi, unsigned long long *v)
{
    if (take_number(&text, hi, v) < 0)
        return -1;
    return !strcmp(text, "\n") || !*text ? 0 : -1;
}

int proc_uid_map_is_whole(const char *map)
{
    static const char *const whole[] = {"0", "0", "4294967295"};
    const char *p = map;
    for (int i = 0; i < 3; i++) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t\n");
        if (n != strlen(whole[i]) || strncmp(p, whole[i], n))
            return 0;
        p += n;
    }
    return p[strspn(p, " \t\n")] == '\0';
}
