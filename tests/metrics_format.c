/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_format.c: serve/metrics.c alone, fed snapshots no running server
 * reaches. `metrics_format CASE` prints the text on stdout and exits 0, or
 * 1 with a line on stderr saying what broke; tests/metrics.bats reads it
 * (and promtool checks it).
 *   max      every count at its largest: the text still fits
 *            METRICS_TEXT_MAX
 *   observe  known durations: each lands in its bucket (le inclusive)
 *   escape   a version with a quote, a backslash and a newline */
#include "serve/metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "metrics_format: %s\n", what);
    return 1;
}

static int print(const struct metrics *m)
{
    char text[METRICS_TEXT_MAX];
    int len = metrics_format(text, sizeof(text), m);
    if (len < 0)
        return fail("the text does not fit METRICS_TEXT_MAX");
    if (strlen(text) != (size_t)len)
        return fail("the length returned is not the text's");
    fputs(text, stdout);
    return 0;
}

/* Every counter, gauge and bucket at its largest: bucket counts so that
 * their sum, the +Inf bucket, is UINT64_MAX. */
static int max_case(struct stats *st, struct metrics *m)
{
    memset(st, 0xff, sizeof(*st));
    for (int i = 0; i <= METRICS_BUCKETS; i++)
        st->request_time.count[i] = UINT64_MAX / (METRICS_BUCKETS + 1);
    st->request_time.count[0] += UINT64_MAX % (METRICS_BUCKETS + 1);
    m->leases = m->owners = m->ports_managed = m->ports_free = SIZE_MAX;
    m->ports_resting = m->connections_open = SIZE_MAX;
    m->journal_appends = m->journal_compactions = m->journal_errors = UINT64_MAX;
    return print(m);
}

/* 10 us falls in the first bucket (le="0.00001"), one ns more in the
 * second, 100 ms in the last bounded one, 100 ms and 1 ns beyond all. */
static int observe_case(struct stats *st, struct metrics *m)
{
    static const uint64_t ns[] = {1, 10000, 10001, 100000000, 100000001};
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
        metrics_observe(&st->request_time, ns[i]);
    return print(m);
}

int main(int argc, char **argv)
{
    static struct stats st;
    struct metrics m = {.version = "0.1.0", .stats = &st};
    if (argc == 2 && !strcmp(argv[1], "max"))
        return max_case(&st, &m);
    if (argc == 2 && !strcmp(argv[1], "observe"))
        return observe_case(&st, &m);
    if (argc == 2 && !strcmp(argv[1], "escape")) {
        m.version = "1\"2\\3\n4";
        return print(&m);
    }
    return fail("usage: metrics_format max|observe|escape");
}
