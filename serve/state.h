/* state.h: the lease journal behind --state (serve/state.c). */
#ifndef SERVE_STATE_H
#define SERVE_STATE_H

#include "serve/leases.h"

struct journal {
    int fd;             /* -1: no --state */
    const char *path;
    size_t records;     /* records in the file now */
    bool dirty;         /* written since the last fsync */
};

/* Read path (missing is fine) and call add(arg, port, pid, start, uid,
 * name) for each lease it records as live, which add keeps or drops; name
 * is NULL for an unnamed lease. Returns 0, or -1 with a message in err. */
int journal_load(const char *path,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen);

/* Rewrite path with the live leases of ls (temp file, fsync, rename, fsync
 * of the directory) and open it for appending. Returns 0, or -1 with a
 * message in err (the old file is left as it was). */
int journal_compact(struct journal *j, const struct leases *ls, char *err,
                    size_t errlen);

/* Append one record with one write(2): grant ('G'), or end ('R') of a
 * lease whose owner lives on. A death needs no record: at start, leases of
 * dead owners are dropped anyway. Returns 0, or -1 with errno set. */
int journal_grant(struct journal *j, unsigned port, const struct owner *o,
                  uid_t uid, const char *name);
int journal_end(struct journal *j, unsigned port);

/* fsync the journal if anything was written since the last call. */
int journal_sync(struct journal *j);
void journal_close(struct journal *j);

#endif
