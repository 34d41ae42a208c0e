/* SPDX-License-Identifier: Apache-2.0 */
/* journal_fuzz.c: libFuzzer target for the lease journal's reader
 * (serve/journal.c), which a restart trusts with every lease.
 *
 * Each input is a state file's bytes, read as written on boot "fuzz-boot".
 * Checked, with abort() and a line saying which promise broke:
 *   - the good prefix ends at a record boundary, and reading only it gives
 *     the same leases (so cutting a torn tail off loses nothing);
 *   - a record appended after the good prefix is read back (so after the
 *     cut, new records are never swallowed by a torn one);
 *   - the leases read, written out again, read back the same, with no
 *     byte left over.
 *
 *   make fuzz                  every target, FUZZ_SECONDS each */
#include "serve/journal.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond) ((cond) ? (void)0 : broken(#cond, __LINE__))
#define BOOT "fuzz-boot"

static void broken(const char *what, int line)
{
    fprintf(stderr, "journal_fuzz.c:%d: invariant broken: %s\n", line, what);
    abort();
}

/* The leases a journal leaves: the last grant of each port, unless ended. */
struct fold {
    bool present[PORT_MAX + 1], seen[PORT_MAX + 1];
    struct journal_record r[PORT_MAX + 1];
    unsigned touched[PORT_MAX + 1];
    size_t ntouched, live;
    struct journal_record last;
};

static struct fold a, b;

static void fold_reset(struct fold *f)
{
    for (size_t i = 0; i < f->ntouched; i++)
        f->present[f->touched[i]] = f->seen[f->touched[i]] = false;
    f->ntouched = f->live = 0;
}

static void fold_add(void *arg, const struct journal_record *r)
{
    struct fold *f = arg;
    CHECK(r->port >= 1 && r->port <= PORT_MAX);
    CHECK(r->type == 'G' || r->type == 'R');
    CHECK(r->type == 'R' || r->pid > 0);
    CHECK(memchr(r->name, '\0', sizeof(r->name)) != NULL);
    f->live -= f->present[r->port];
    f->present[r->port] = r->type == 'G';
    f->live += f->present[r->port];
    f->r[r->port] = *r;
    if (!f->seen[r->port])
        f->touched[f->ntouched++] = r->port;
    f->seen[r->port] = true;
    f->last = *r;
}

static bool same_record(const struct journal_record *x, const struct journal_record *y)
{
    return x->type == y->type && x->port == y->port && x->pid == y->pid &&
           x->start == y->start && x->uid == y->uid &&
           strcmp(x->name, y->name) == 0;
}

static void same_fold(const struct fold *x, const struct fold *y)
{
    CHECK(x->live == y->live);
    for (size_t i = 0; i < x->ntouched; i++) {
        unsigned port = x->touched[i];
        CHECK(x->present[port] == y->present[port]);
        CHECK(!x->present[port] || same_record(&x->r[port], &y->r[port]));
    }
}

static void parse(struct fold *f, const char *text, size_t len, struct journal_scan *scan)
{
    fold_reset(f);
    journal_parse(text, len, BOOT, fold_add, f, scan);
}

/* Write the leases of f as a version 2 journal; malloc'd. */
static char *rewrite(const struct fold *f, size_t *len)
{
    char *buf = malloc(JOURNAL_RECORD_MAX * (f->live + 1));
    size_t n = journal_header(buf, JOURNAL_RECORD_MAX, BOOT);
    for (size_t i = 0; i < f->ntouched; i++)
        if (f->present[f->touched[i]])
            n += journal_record(buf + n, JOURNAL_RECORD_MAX, &f->r[f->touched[i]]);
    *len = n;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct journal_scan scan, again;
    if (size > 1 << 20)
        return 0;
    parse(&a, text, size, &scan);
    CHECK(scan.good <= size);
    CHECK(scan.verdict == JOURNAL_OK || (scan.good == 0 && scan.records == 0));
    CHECK(scan.verdict != JOURNAL_OK || (scan.good > 0 && text[scan.good - 1] == '\n'));
    CHECK(!scan.corrupt || scan.corrupt_at < scan.good);
    if (scan.verdict != JOURNAL_OK)
        return 0;

    /* The good prefix alone says the same. */
    parse(&b, text, scan.good, &again);
    CHECK(again.good == scan.good && again.records == scan.records);
    CHECK(again.corrupt == scan.corrupt);
    same_fold(&a, &b);

    /* A record appended after the cut is read. */
    if (scan.version == JOURNAL_VERSION) {
        struct journal_record r = {'G', 1 + (unsigned)(size % PORT_MAX), 4242,
                                   (uint64_t)size, 7, "fuzz_name"};
        char *grown = malloc(scan.good + JOURNAL_RECORD_MAX);
        memcpy(grown, text, scan.good);
        size_t len = scan.good + journal_record(grown + scan.good, JOURNAL_RECORD_MAX, &r);
        parse(&b, grown, len, &again);
        free(grown);
        CHECK(again.good == len && again.records == scan.records + 1);
        CHECK(same_record(&b.last, &r));
    }

    /* What was read, written again, reads back the same. */
    size_t len;
    char *copy = rewrite(&a, &len);
    parse(&b, copy, len, &again);
    free(copy);
    CHECK(again.verdict == JOURNAL_OK && again.version == JOURNAL_VERSION);
    CHECK(again.good == len && again.corrupt == 0 && again.records == a.live);
    same_fold(&a, &b);
    same_fold(&b, &a);
    return 0;
}
