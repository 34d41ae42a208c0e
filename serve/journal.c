/* SPDX-License-Identifier: Apache-2.0 */
/* journal.c: the lease journal's format. Pure: no file, no clock, no log,
 * so fuzz/journal_fuzz.c can drive it alone.
 *
 *     portpicker-leases 2 BOOT_ID
 *     LEN CRC G PORT PID START UID [NAME]
 *     LEN CRC R PORT
 *
 * Each record after the header is framed: LEN is the payload's length in
 * decimal, CRC its CRC-32 in 8 lowercase hex digits, then one space, the
 * payload, a newline. A write cut short (a full disk, a crash in the middle
 * of write(2)) leaves a record whose newline is missing, or whose length or
 * CRC does not match once later bytes are glued on: either way it fails its
 * check and is never applied. Records that fail with good ones after them
 * are corruption, not a tear: counted and skipped. Version 1 files (no
 * frames, one payload a line) are still read; the server rewrites them as
 * version 2 at start. */
#include "serve/journal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

uint32_t journal_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xffffffffu;
    while (len--) {
        crc ^= *p++;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

size_t journal_header(char *buf, size_t len, const char *boot)
{
    int n = snprintf(buf, len, JOURNAL_MAGIC " %d %s\n", JOURNAL_VERSION, boot);
    return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

size_t journal_record(char *buf, size_t len, const struct journal_record *r)
{
    char payload[JOURNAL_RECORD_MAX];
    int n;
    if (r->type == 'G')
        n = snprintf(payload, sizeof(payload), "G %u %d %llu %u%s%s", r->port,
                     (int)r->pid, (unsigned long long)r->start,
                     (unsigned)r->uid, r->name[0] ? " " : "", r->name);
    else
        n = snprintf(payload, sizeof(payload), "R %u", r->port);
    n = snprintf(buf, len, "%d %08x %s\n", n,
                 (unsigned)journal_crc32(payload, (size_t)n), payload);
    return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/* A decimal number of at most 20 digits, lo..hi, spanning [p, end). */
static bool number(const char *p, const char *end, uint64_t lo, uint64_t hi,
                   uint64_t *out)
{
    uint64_t v = 0;
    if (p == end || end - p > 20)
        return false;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Parse a payload of len bytes: words split at single spaces. */
static bool payload(const char *p, size_t len, struct journal_record *r)
{
    const char *w[7], *end = p + len;
    size_t n = 0;
    for (const char *q = p; n < 7; q++) {
        w[n++] = q;
        q = memchr(q, ' ', (size_t)(end - q));
        if (!q)
            break;
    }
    if (n == 7 || len < 3 || p[1] != ' ')
        return false;
    /* word i spans [w[i], end of word i) */
    const char *stop[7];
    for (size_t i = 0; i < n; i++)
        stop[i] = i + 1 < n ? w[i + 1] - 1 : end;
    uint64_t v[4];
    *r = (struct journal_record){.type = p[0]};
    if (p[0] == 'R' && n == 2 && number(w[1], stop[1], 1, PORT_MAX, &v[0])) {
        r->port = (unsigned)v[0];
        return true;
    }
    if (p[0] != 'G' || n < 5 || !number(w[1], stop[1], 1, PORT_MAX, &v[0]) ||
        !number(w[2], stop[2], 1, INT_MAX, &v[1]) ||
        !number(w[3], stop[3], 0, UINT64_MAX, &v[2]) ||
        !number(w[4], stop[4], 0, UINT32_MAX, &v[3]))
        return false;
    if (n == 6) {
        size_t nlen = (size_t)(stop[5] - w[5]);
        if (!nlen || nlen > PROTO_NAME_MAX)
            return false;
        memcpy(r->name, w[5], nlen);
        if (!proto_is_name(r->name))
            return false;
    }
    r->port = (unsigned)v[0];
    r->pid = (pid_t)v[1];
    r->start = v[2];
    r->uid = (uid_t)v[3];
    return true;
}

/* Check the frame of line ([p, p + len), no newline) and parse it. */
static bool framed(const char *p, size_t len, struct journal_record *r)
{
    const char *end = p + len, *sp = memchr(p, ' ', len);
    uint64_t plen, crc;
    if (!sp || !number(p, sp, 1, JOURNAL_RECORD_MAX, &plen) || end - sp < 10 ||
        sp[9] != ' ')
        return false;
    crc = 0;
    for (int i = 1; i <= 8; i++) {
        char c = sp[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
        if (d == 16)
            return false;
        crc = crc << 4 | d;
    }
    const char *body = sp + 10;
    return (size_t)(end - body) == plen &&
           journal_crc32(body, (size_t)plen) == crc &&
           payload(body, (size_t)plen, r);
}

/* The header: its version (1 or 2) and whether it may be of boot: it is
 * unless both ids are known and differ (an id unknown, to the writer or to
 * us, never ends a lease). Returns the header's length, or 0 when it is not
 * ours. */
static size_t header(const char *text, size_t len, const char *boot,
                     int *version, bool *this_boot)
{
    const char *nl = memchr(text, '\n', len);
    size_t magic = strlen(JOURNAL_MAGIC " ");
    if (!nl || (size_t)(nl - text) < magic + 2 ||
        memcmp(text, JOURNAL_MAGIC " ", magic) != 0 ||
        (text[magic] != '1' && text[magic] != '2') || text[magic + 1] != ' ')
        return 0;
    *version = text[magic] - '0';
    const char *id = text + magic + 2;
    size_t idlen = (size_t)(nl - id);
    *this_boot = !idlen || !*boot ||
                 (idlen == strlen(boot) && memcmp(id, boot, idlen) == 0);
    return (size_t)(nl - text) + 1;
}

void journal_parse(const char *text, size_t len, const char *boot,
                   void (*fn)(void *arg, const struct journal_record *r),
                   void *arg, struct journal_scan *scan)
{
    bool this_boot;
    *scan = (struct journal_scan){.verdict = JOURNAL_EMPTY};
    if (!len)
        return;
    size_t at = header(text, len, boot, &scan->version, &this_boot);
    scan->verdict = !at ? JOURNAL_NOT_OURS
                  : !this_boot ? JOURNAL_OTHER_BOOT : JOURNAL_OK;
    if (scan->verdict != JOURNAL_OK)
        return;
    scan->good = at;
    size_t bad = 0, bad_at = 0;
    const char *nl;
    while (at < len && (nl = memchr(text + at, '\n', len - at))) {
        size_t line = (size_t)(nl - (text + at));
        struct journal_record r;
        bool ok = scan->version == 1 ? payload(text + at, line, &r)
                                     : framed(text + at, line, &r);
        if (ok) {
            if (bad && !scan->corrupt)
                scan->corrupt_at = bad_at;
            scan->corrupt += bad;
            bad = 0;
            scan->records++;
            fn(arg, &r);
            scan->good = at + line + 1;
        } else if (!bad++) {
            bad_at = at;
        }
        at += line + 1;
    }
}
