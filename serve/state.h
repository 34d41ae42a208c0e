/* SPDX-License-Identifier: Apache-2.0 */
/* state.h: the state file behind --state (serve/state_open.c: lock, read;
 * serve/state.c: append, rewrite); its record format is serve/journal.h's. */
#ifndef SERVE_STATE_H
#define SERVE_STATE_H

#include "serve/leases.h"
#include "serve/notes.h"

struct state_file {
    int fd;             /* -1: no --state; else the locked file, appending */
    const char *path;
    size_t good;        /* bytes of whole records: a failed append is cut
                         * back to here */
    size_t records;     /* records in the file now */
    bool dirty;         /* written since the last fsync */
    bool must_rewrite;  /* the file cannot take appends: grants are refused
                         * until state_rewrite succeeds */
    bool stale;         /* the file may lag the table (an end record lost,
                         * a rename not yet durable): rewrite when possible */
    int error;
    uint64_t appends, compactions, write_errors;   /* since the start, for
                                                    * the metrics */          /* errno of the last failed rewrite, 0 if none */
    struct notes notes; /* lines for the caller to log (log_notes) */
    char boot[64];      /* this boot's id, read once by state_open; ""
                         * when unknown: saved leases are kept then */
};

/* Read the boot id into j->boot (once: every rewrite uses it; a failed
 * read leaves it unknown, with a log line). Open and lock j->path (created
 * empty when missing; a symbolic link, a file that is not regular or
 * larger than JOURNAL_MAX_BYTES is refused), read it and call
 * add(arg, port, pid, start, uid, name) for each lease it records as live,
 * which add keeps or drops; name is NULL for an unnamed lease. A torn tail is cut off with a log line. The file stays open and
 * locked in j until state_close. Returns 0, or -1 with a message in err
 * and errno set (EWOULDBLOCK: another server holds the file). */
int state_open(struct state_file *j,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen);

/* Rewrite the file with the live leases of ls (a new file created
 * exclusively, locked, fsync'd, renamed over the old one, fsync of the
 * directory) and append to it from then on. Returns 0 once the new file is
 * in place (a failed fsync of the directory is logged and has the next
 * tick rewrite it again), or -1 with a message in err and j->error set (the
 * old file is left as it was). */
int state_rewrite(struct state_file *j, const struct leases *ls, char *err,
                    size_t errlen);

/* The grants of one request: count ports to one owner, named by names[i]
 * (names NULL: unnamed). */
struct grants {
    pid_t pid;
    uint64_t start;
    uid_t uid;
    unsigned count;
    const unsigned *ports;
    const char *const *names;
};

/* Append the records of g, in one write(2) where they fit. All or none: on
 * failure the file is cut back to where it was. A file that would grow past
 * JOURNAL_MAX_BYTES is rewritten from ls instead (which holds g already).
 * Returns 0, or -1 with a message in err. */
int state_append_grants(struct state_file *j, const struct grants *g,
                        const struct leases *ls, char *err, size_t errlen);
/* Append the early end ('R') of port's lease (its owner lives on; a death
 * needs no record: at start, leases of dead owners are dropped anyway).
 * Returns 0, or -1 with errno set (the file is rewritten later). */
int state_append_end(struct state_file *j, unsigned port);

/* The journal's timer, SYNC_MS after a write: rewrite the file when it
 * must be repaired or dead records outnumber live ones, else fsync it.
 * Returns 0, or -1 to be called again later; err holds a message to log,
 * or "" when there is nothing new to say. */
int state_tick(struct state_file *j, const struct leases *ls, char *err,
                 size_t errlen);
void state_close(struct state_file *j);

/* For serve/state.c and serve/state_open.c: "WHAT: strerror(errno)" into
 * err; returns -1. */
int state_errno_msg(char *err, size_t errlen, const char *what);
/* For serve/state.c: does another server hold the file now at j's path
 * (its lock), one started there once ours was gone? 1 yes, 0 no (nothing
 * there, our own file, or no lock on it), -1 when it cannot be told. */
int state_held_by_another(const struct state_file *j);

#endif
