/* SPDX-License-Identifier: Apache-2.0 */
/* stats.h: latency samples and their percentiles, shared by the bench tools.
 *
 * Header-only so each tool stays one `cc file.c` away from being built. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct samples {
    double *v;      /* microseconds */
    size_t n, cap;
};

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Returns 0, or -1 when out of memory (the sample is dropped). */
static inline int samples_add(struct samples *s, double us)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        double *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = us;
    return 0;
}

/* Moves every sample of from into to; from is left empty. */
static inline int samples_merge(struct samples *to, struct samples *from)
{
    for (size_t i = 0; i < from->n; i++)
        if (samples_add(to, from->v[i]) < 0)
            return -1;
    free(from->v);
    memset(from, 0, sizeof(*from));
    return 0;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples; 0 when there are none. */
static inline double samples_pct(const struct samples *s, double pct)
{
    if (!s->n)
        return 0;
    size_t rank = (size_t)(pct / 100.0 * (double)s->n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > s->n)
        rank = s->n;
    return s->v[rank - 1];
}

/* Sorts s and prints `"count":..,"min_us":..,"p50_us":..,...` (no braces). */
static inline void samples_json(FILE *out, struct samples *s)
{
    double sum = 0;
    qsort(s->v, s->n, sizeof(*s->v), cmp_double);
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    fprintf(out,
            "\"count\":%zu,\"min_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
            "\"p99_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f",
            s->n, samples_pct(s, 0), samples_pct(s, 50), samples_pct(s, 90),
            samples_pct(s, 99), s->n ? s->v[s->n - 1] : 0,
            s->n ? sum / (double)s->n : 0);
}

#endif
