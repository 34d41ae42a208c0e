/* SPDX-License-Identifier: Apache-2.0 */
/* state_open.c: the state file behind --state, at start: open it without
 * following a link, lock it (one server per file), read it whole and hand
 * the live leases it records to the server; a torn tail is cut off. What
 * happens to it afterwards is state.c's, but for asking whose lock is on
 * the file at the path, which a repair must know first. */
#include "lib/sys.h"
#include "serve/journal.h"
#include "serve/log.h"
#include "serve/proc.h"
#include "serve/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Close fd after a failure (errno kept), and say what failed: "WHAT:
 * strerror(errno)" into err; returns -1. */
static int close_errno_msg(int fd, char *err, size_t errlen, const char *what)
{
    close_keep_errno(fd);
    return state_errno_msg(err, errlen, what);
}

/* Open path (creating it empty when missing), a regular file no larger than
 * JOURNAL_MAX_BYTES, and lock it. Returns the fd, or -1 with a message and
 * errno (EWOULDBLOCK: another server holds it). */
static int open_locked(const char *path, char *err, size_t errlen)
{
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0 && errno == ELOOP) {
            snprintf(err, errlen, "%s: is a symbolic link: not followed", path);
            return -1;
        }
        struct stat st, now;
        if (fd < 0 || fstat(fd, &st) < 0)
            return fd < 0 ? state_errno_msg(err, errlen, path)
                          : close_errno_msg(fd, err, errlen, path);
        if (!S_ISREG(st.st_mode) || st.st_size > (off_t)JOURNAL_MAX_BYTES) {
            snprintf(err, errlen, !S_ISREG(st.st_mode) ? "%s: not a regular file"
                     : "%s: larger than %u MiB: not a lease file", path,
                     JOURNAL_MAX_BYTES >> 20);
            close(fd);
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            if (errno == EWOULDBLOCK) {
                snprintf(err, errlen, "%s: another server uses this state file", path);
                close(fd);
                errno = EWOULDBLOCK;
                return -1;
            }
            return close_errno_msg(fd, err, errlen, path);
        }
        /* A rewrite by the server that held the lock may have renamed a
         * new file over the one we locked: lock the one at path. */
        if (lstat(path, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
            return fd;
        close(fd);
    }
    errno = EAGAIN;
    return state_errno_msg(err, errlen, path);
}

/* The whole file, at most about JOURNAL_MAX_BYTES, in *text (malloc'd).
 * Sized from fstat, so a big file is not copied as its buffer doubles. */
static int read_whole(int fd, char **text, size_t *len)
{
    struct stat st;
    size_t cap = 65536, n = 0;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= cap &&
        (size_t)st.st_size <= JOURNAL_MAX_BYTES)
        cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *bigger = cap > JOURNAL_MAX_BYTES ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                if (cap > JOURNAL_MAX_BYTES)
                    errno = EFBIG;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        if (got == 0) {
            *text = buf;
            *len = n;
            return 0;
        }
        n += (size_t)got;
    }
    free(buf);
    return -1;
}

/* Restoring takes two passes over the text, so that nothing but a number
 * a port is kept between them (a table of whole records would weigh 4.7 MB
 * and be resident as the file is read). */
struct replay {
    uint32_t *last;     /* by port: the number of its last record when that
                         * is a grant, else 0 */
    uint32_t seen;      /* records read so far in this pass */
    int (*add)(void *arg, unsigned port, pid_t pid, uint64_t start, uid_t uid,
               const char *name);
    void *arg;
    int rc;
};

static void note_last(void *arg, const struct journal_record *r)
{
    struct replay *rp = arg;
    rp->seen++;
    rp->last[r->port] = r->type == 'G' ? rp->seen : 0;
}

static void add_live(void *arg, const struct journal_record *r)
{
    struct replay *rp = arg;
    if (++rp->seen == rp->last[r->port] && rp->rc == 0)
        rp->rc = rp->add(rp->arg, r->port, r->pid, r->start, r->uid,
                         r->name[0] ? r->name : NULL);
}

/* Pass the live leases of text, written on boot, to add, in the order of
 * their records. */
static int restore(const char *text, size_t len, const char *boot,
                   struct journal_scan *scan,
                   int (*add)(void *arg, unsigned port, pid_t pid,
                              uint64_t start, uid_t uid, const char *name),
                   void *arg)
{
    struct journal_scan again;
    struct replay rp = {.add = add, .arg = arg};
    if (!(rp.last = pages_alloc(PORT_MAX + 1, sizeof(*rp.last))))
        return -1;
    journal_parse(text, len, boot, note_last, &rp, scan);
    rp.seen = 0;
    journal_parse(text, len, boot, add_live, &rp, &again);
    pages_free(rp.last, PORT_MAX + 1, sizeof(*rp.last));
    return rp.rc;
}

int state_open(struct state_file *j,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen)
{
    char *text;
    size_t len;
    struct journal_scan scan;
    if (boot_id(j->boot, sizeof(j->boot)) < 0)
        note(&j->notes, LOG_WARN, "boot id: %s: unknown; saved leases whose owners live "
             "are kept", strerror(errno));
    int fd = open_locked(j->path, err, errlen);
    if (fd < 0)
        return -1;
    if (read_whole(fd, &text, &len) < 0)
        return close_errno_msg(fd, err, errlen, j->path);
    int added = restore(text, len, j->boot, &scan, add, arg);
    free(text);
    if (added < 0)
        return close_errno_msg(fd, err, errlen, j->path);
    if (scan.verdict == JOURNAL_NOT_OURS) {
        snprintf(err, errlen, "%s: not a portpicker lease file", j->path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (scan.verdict == JOURNAL_OTHER_BOOT)
        note(&j->notes, LOG_INFO, "%s: written before the last boot: no lease kept", j->path);
    if (scan.corrupt)
        note(&j->notes, LOG_WARN, "%s: %zu corrupt records skipped, the first at byte %zu",
             j->path, scan.corrupt, scan.corrupt_at);
    if (scan.verdict == JOURNAL_OK && len > scan.good) {
        note(&j->notes, LOG_WARN, "%s: %zu bytes after the last whole record (a write cut "
             "short) cut off", j->path, len - scan.good);
        if (ftruncate(fd, (off_t)scan.good) < 0)
            return close_errno_msg(fd, err, errlen, j->path);
    }
    if (fcntl(fd, F_SETFL, O_APPEND) < 0)
        return close_errno_msg(fd, err, errlen, j->path);
    j->fd = fd;
    j->good = scan.good;
    j->records = scan.records;
    /* Only a version 2 file of this boot takes appends as it is. */
    j->must_rewrite = scan.verdict != JOURNAL_OK || scan.version != JOURNAL_VERSION;
    return 0;
}

int state_held_by_another(const struct state_file *j)
{
    struct stat at, ours;
    int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    /* Nothing there, or a symbolic link (ELOOP): no server's file, and the
     * rename replaces the link itself, never what it points to. */
    if (fd < 0)
        return errno == ENOENT || errno == ELOOP ? 0 : -1;
    /* Our own file (a repair for another cause: a full disk) is locked by
     * our own fd, which a lock through this one would meet; what is not a
     * regular file (a FIFO) is no server's either. */
    if (fstat(fd, &at) < 0 || fstat(j->fd, &ours) < 0)
        return close_keep_errno(fd);
    int held = 0;
    if (S_ISREG(at.st_mode) &&
        (at.st_dev != ours.st_dev || at.st_ino != ours.st_ino) &&
        flock(fd, LOCK_EX | LOCK_NB) < 0)
        held = errno == EWOULDBLOCK ? 1 : -1;
    if (held < 0)
        return close_keep_errno(fd);
    close(fd); /* and with it any lock just taken */
    return held;
}
