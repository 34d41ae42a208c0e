/* SPDX-License-Identifier: Apache-2.0 */
/* state.h: the state file behind --state (serve/state_open.c: lock, read;
 * serve/state.c: append, rewrite); its record format is serve/journal.h's. */
#ifndef SERVE_STATE_H
#define SERVE_STATE_H

#include "serve/leases.h"

struct journal {
    int fd;             /* -1: no --state; else the locked file, appending */
    const char *path;
    size_t good;        /* bytes of whole records: a failed append is cut
                         * back to here */
    size_t records;     /* records in the file now */
    bool dirty;         /* written since the last fsync */
    bool must_rewrite;  /* the file cannot take appends: grants are refused
                         * until journal_compact succeeds */
    bool stale;         /* the file may lag the table (an end record lost,
                         * a rename not yet durable): rewrite when possible */
    int error;          /* errno of the last failed rewrite, 0 if none */
    char boot[64];      /* this boot's id, read once by journal_open; ""
                         * when unknown: saved leases are kept then */
};

/* Read the boot id into j->boot (once: every rewrite uses it; a failed
 * read leaves it unknown, with a log line). Open and lock j->path (created
 * empty when missing; a symbolic link, a file that is not regular or
 * larger than JOURNAL_MAX_BYTES is refused), read it and call
 * add(arg, port, pid, start, uid, name) for each lease it records as live,
 * which add keeps or drops; name is NULL for an unnamed lease. A torn tail is cut off with a log line. The file stays open and
 * locked in j until journal_close. Returns 0, or -1 with a message in err
 * and errno set (EWOULDBLOCK: another server holds the file). */
int journal_open(struct journal *j,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen);

/* Rewrite the file with the live leases of ls (a new file created
 * exclusively, locked, fsync'd, renamed over the old one, fsync of the
 * directory) and append to it from then on. Returns 0 once the new file is
 * in place (a failed fsync of the directory is logged and has the next
 * tick rewrite it again), or -1 with a message in err and j->error set (the
 * old file is left as it was). */
int journal_compact(struct journal *j, const struct leases *ls, char *err,
                    size_t errlen);

/* Append the grants of ports[0..count), as ls has them, in one write(2)
 * where they fit. All or none: on failure the file is cut back to where it
 * was. Returns 0, or -1 with a message in err. */
int journal_grant(struct journal *j, const struct leases *ls,
                  const unsigned *ports, unsigned count, char *err,
                  size_t errlen);
/* Append the early end ('R') of port's lease (its owner lives on; a death
 * needs no record: at start, leases of dead owners are dropped anyway).
 * Returns 0, or -1 with errno set (the file is rewritten later). */
int journal_end(struct journal *j, unsigned port);

/* The journal's timer, SYNC_MS after a write: rewrite the file when it
 * must be repaired or dead records outnumber live ones, else fsync it.
 * Returns 0, or -1 to be called again later; err holds a message to log,
 * or "" when there is nothing new to say. */
int journal_tick(struct journal *j, const struct leases *ls, char *err,
                 size_t errlen);
void journal_close(struct journal *j);

/* For serve/state.c and serve/state_open.c: "WHAT: strerror(errno)" into
 * err; returns -1. */
int state_fail(char *err, size_t errlen, const char *what);

#endif
