/* SPDX-License-Identifier: Apache-2.0 */
/* journal.h: the lease journal's format (serve/journal.c), pure: bytes in,
 * records out, and records to bytes. state.c does the files. */
#ifndef SERVE_JOURNAL_H
#define SERVE_JOURNAL_H

#include "lib/ports.h"
#include "lib/proto.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JOURNAL_MAGIC "portpicker-leases"
#define JOURNAL_VERSION 2

/* A state file larger than this is refused at start; the server rewrites
 * its file before an append would take it past this (a full pool's
 * rewrite is about 6 MiB). docs/serve.md states it. */
#define JOURNAL_MAX_BYTES (64u << 20)

/* Room for the longest record line, frame and newline included. */
#define JOURNAL_RECORD_MAX 160

/* One record: a grant ('G') or the early end ('R') of port's lease. */
struct journal_record {
    char type;
    unsigned port;
    pid_t pid;
    uint64_t start;
    uid_t uid;
    char name[PROTO_NAME_MAX + 1]; /* "" when unnamed */
};

enum journal_verdict {
    JOURNAL_OK,         /* ours and of this boot: records were read */
    JOURNAL_EMPTY,      /* no byte: a file created before its first write */
    JOURNAL_NOT_OURS,   /* no header we know */
    JOURNAL_OTHER_BOOT, /* written before the last boot (both boot ids
                         * known, and not the same): nothing to keep */
};

struct journal_scan {
    enum journal_verdict verdict;
    int version;        /* of the header: 1 (no frames) or 2 */
    size_t good;        /* bytes up to the end of the last whole record:
                         * what follows is a torn tail, to cut off */
    size_t records;     /* records passed to the callback */
    size_t corrupt;     /* bad records with good ones after them: skipped */
    size_t corrupt_at;  /* byte offset of the first of them */
};

/* CRC-32 (the zlib/PNG polynomial) of len bytes. */
uint32_t journal_crc32(const void *data, size_t len);

/* The header line for boot id boot into buf (JOURNAL_RECORD_MAX bytes at
 * least). Returns its length. */
size_t journal_header(char *buf, size_t len, const char *boot);

/* The framed line of r into buf ("LEN CRC PAYLOAD\n"), which has room for
 * JOURNAL_RECORD_MAX bytes. Returns its length. */
size_t journal_record(char *buf, size_t len, const struct journal_record *r);

/* Read a journal of len bytes (not NUL-terminated) written on boot ("":
 * unknown; a header without an id is unknown too, and either way the file
 * is taken as of this boot): the header, then every record that passes its
 * check, in order, to fn(arg, record). A record fails when its frame is cut short, its length
 * or CRC does not match, or its payload does not parse. */
void journal_parse(const char *text, size_t len, const char *boot,
                   void (*fn)(void *arg, const struct journal_record *r),
                   void *arg, struct journal_scan *scan);

#endif
