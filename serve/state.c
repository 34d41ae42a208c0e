/* state.c: the state file behind --state: locked, read, appended, rewritten.
 * Its format is serve/journal.c's.
 *
 * Each grant is appended with one write(2) before the client gets its reply,
 * so killing the server (even with SIGKILL) loses nothing: the page cache
 * outlives the process. A grant whose record cannot be written whole (a full
 * disk) is refused, and the file is cut back to its last whole record before
 * the refusal is sent, so the next record never lands on a torn one. If even
 * that cut fails, nothing more is appended until the file has been rewritten
 * whole, and grants are refused meanwhile. fsync is batched on a timer; a
 * power loss can lose the last second of records. The file is rewritten
 * whole (new file, fsync, rename, fsync of the directory) at start, at
 * shutdown, when it holds more than twice as many records as live leases,
 * and to repair it after a failure. Start times only mean something within
 * one boot, so leases of another boot are dropped.
 *
 * One server per file: it holds flock(2) on the file at the path from start
 * to exit (a rewrite locks the new file before renaming it into place), and
 * a second server finds it locked and exits. Nothing here follows a symbolic
 * link or opens anything but a regular file. */
#include "serve/daemon.h"
#include "serve/journal.h"
#include "serve/log.h"
#include "serve/owner.h"
#include "serve/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
}

static int close_fail(int fd, char *err, size_t errlen, const char *what)
{
    int saved = errno;
    close(fd);
    errno = saved;
    return fail(err, errlen, what);
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
            return fd < 0 ? fail(err, errlen, path) : close_fail(fd, err, errlen, path);
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
            return close_fail(fd, err, errlen, path);
        }
        /* A rewrite by the server that held the lock may have renamed a
         * new file over the one we locked: lock the one at path. */
        if (lstat(path, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
            return fd;
        close(fd);
    }
    errno = EAGAIN;
    return fail(err, errlen, path);
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

/* Pass the live leases of text to add, in the order of their records. */
static int restore(const char *text, size_t len, struct journal_scan *scan,
                   int (*add)(void *arg, unsigned port, pid_t pid,
                              uint64_t start, uid_t uid, const char *name),
                   void *arg)
{
    char boot[64];
    struct journal_scan again;
    boot_id(boot, sizeof(boot));
    struct replay rp = {.add = add, .arg = arg};
    if (!(rp.last = pages_alloc(PORT_MAX + 1, sizeof(*rp.last))))
        return -1;
    journal_parse(text, len, boot, note_last, &rp, scan);
    rp.seen = 0;
    journal_parse(text, len, boot, add_live, &rp, &again);
    pages_free(rp.last, PORT_MAX + 1, sizeof(*rp.last));
    return rp.rc;
}

int journal_open(struct journal *j,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen)
{
    char *text;
    size_t len;
    struct journal_scan scan;
    int fd = open_locked(j->path, err, errlen);
    if (fd < 0)
        return -1;
    if (read_whole(fd, &text, &len) < 0)
        return close_fail(fd, err, errlen, j->path);
    int added = restore(text, len, &scan, add, arg);
    free(text);
    if (added < 0)
        return close_fail(fd, err, errlen, j->path);
    if (scan.verdict == JOURNAL_NOT_OURS) {
        snprintf(err, errlen, "%s: not a portpicker lease file", j->path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if (scan.verdict == JOURNAL_OTHER_BOOT)
        slog(LOG_INFO, "%s: written before the last boot: no lease kept", j->path);
    if (scan.corrupt)
        slog(LOG_WARN, "%s: %zu corrupt records skipped, the first at byte %zu",
             j->path, scan.corrupt, scan.corrupt_at);
    if (scan.verdict == JOURNAL_OK && len > scan.good) {
        slog(LOG_WARN, "%s: %zu bytes after the last whole record (a write cut "
             "short) cut off", j->path, len - scan.good);
        if (ftruncate(fd, (off_t)scan.good) < 0)
            return close_fail(fd, err, errlen, j->path);
    }
    if (fcntl(fd, F_SETFL, O_APPEND) < 0)
        return close_fail(fd, err, errlen, j->path);
    j->fd = fd;
    j->good = scan.good;
    j->records = scan.records;
    /* Only a version 2 file of this boot takes appends as it is. */
    j->must_rewrite = scan.verdict != JOURNAL_OK || scan.version != JOURNAL_VERSION;
    return 0;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path),
                 path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* The grant record of port, as the lease table has it. */
static void grant_of(const struct leases *ls, unsigned port, struct journal_record *r)
{
    const struct lease *l = leases_lease(ls, port);
    const struct owner *o = leases_owner_of(ls, port);
    const char *name = leases_name_of(ls, port);
    *r = (struct journal_record){'G', port, o->pid, o->start, l->uid, ""};
    if (name)
        snprintf(r->name, sizeof(r->name), "%s", name);
}

/* Write the file's text for the live leases of ls to fd, a buffer at a
 * time: a full pool's text (1.8 MB for 50,000 leases) is never resident
 * whole. Returns its length, or -1 with errno set. */
static ssize_t write_snapshot(int fd, const struct leases *ls)
{
    char buf[16384], boot[64];
    struct journal_record r;
    boot_id(boot, sizeof(boot));
    size_t n = journal_header(buf, sizeof(buf), boot), total = 0;
    for (unsigned port = leases_next_leased(ls, 0); port;
         port = leases_next_leased(ls, port)) {
        if (n + JOURNAL_RECORD_MAX > sizeof(buf)) {
            if (write_all(fd, buf, n) < 0)
                return -1;
            total += n;
            n = 0;
        }
        grant_of(ls, port, &r);
        n += journal_record(buf + n, sizeof(buf) - n, &r);
    }
    if (write_all(fd, buf, n) < 0)
        return -1;
    return (ssize_t)(total + n);
}

int journal_compact(struct journal *j, const struct leases *ls, char *err,
                    size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", j->path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return fail(err, errlen, j->path);
    }
    int fd = file_create(tmp, O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        j->error = errno;
        return fail(err, errlen, tmp);
    }
    /* Locked before it is renamed into place: the lock never lapses. */
    ssize_t len = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -1 : write_snapshot(fd, ls);
    if (len < 0 || fsync(fd) < 0 || rename(tmp, j->path) < 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        errno = j->error = saved;
        return fail(err, errlen, tmp);
    }
    if (j->fd >= 0)
        close(j->fd);
    j->fd = fd;
    j->good = (size_t)len;
    j->records = ls->nleases;
    j->dirty = j->must_rewrite = j->stale = false;
    j->error = 0;
    if (sync_dir(j->path) < 0)
        return fail(err, errlen, "fsync of the state file's directory");
    return 0;
}

/* Cut the file back to its last whole record after a failed append; if
 * that fails too, nothing is appended until a rewrite. errno is kept. */
static void cut_back(struct journal *j)
{
    int saved = errno;
    if (ftruncate(j->fd, (off_t)j->good) < 0) {
        slog(LOG_ERROR, "%s: cannot cut a torn record off: %s: no grant until "
             "the file is rewritten", j->path, strerror(errno));
        j->must_rewrite = true;
        j->error = errno;
    }
    errno = saved;
}

/* Append len bytes of whole records; on failure cut them off again. */
static int append(struct journal *j, const char *buf, size_t len, size_t records)
{
    if (write_all(j->fd, buf, len) < 0) {
        cut_back(j);
        return -1;
    }
    j->good += len;
    j->records += records;
    j->dirty = true;
    return 0;
}

int journal_grant(struct journal *j, const struct leases *ls,
                  const unsigned *ports, unsigned count, char *err, size_t errlen)
{
    char buf[8192];
    size_t n = 0, pending = 0;
    struct journal_record r;
    if (j->fd < 0)
        return 0;
    if (j->must_rewrite) {
        errno = j->error ? j->error : EIO;
        return fail(err, errlen, j->path);
    }
    /* Never grow the file past what a restart would read: rewrite it (the
     * table already holds these grants) instead. */
    if (j->good + (size_t)count * JOURNAL_RECORD_MAX > JOURNAL_MAX_BYTES)
        return journal_compact(j, ls, err, errlen);
    size_t start = j->good;
    for (unsigned i = 0; i < count; i++) {
        grant_of(ls, ports[i], &r);
        n += journal_record(buf + n, sizeof(buf) - n, &r);
        pending++;
        if (i + 1 < count && n + JOURNAL_RECORD_MAX <= sizeof(buf))
            continue;
        if (append(j, buf, n, pending) < 0) {
            /* All or none: records of this batch already written go too. */
            int saved = errno;
            j->good = start;
            cut_back(j);
            errno = saved;
            return fail(err, errlen, j->path);
        }
        n = pending = 0;
    }
    return 0;
}

int journal_end(struct journal *j, unsigned port)
{
    char line[JOURNAL_RECORD_MAX];
    struct journal_record r = {.type = 'R', .port = port};
    if (j->fd < 0 || j->must_rewrite)
        return 0; /* the pending rewrite will say it */
    if (append(j, line, journal_record(line, sizeof(line), &r), 1) < 0) {
        j->stale = true; /* the file says the lease lives on: rewrite soon */
        return -1;
    }
    return 0;
}

int journal_tick(struct journal *j, const struct leases *ls, char *err,
                 size_t errlen)
{
    *err = '\0';
    if (j->fd < 0)
        return 0;
    if (j->must_rewrite || j->stale || j->records > 2 * ls->nleases + 64) {
        bool repair = j->must_rewrite;
        int was = j->error;
        if (journal_compact(j, ls, err, errlen) < 0) {
            if (j->error && was == j->error)
                *err = '\0'; /* said already, a second ago */
            return repair || j->stale ? -1 : 0;
        }
        if (repair)
            slog(LOG_NOTICE, "%s: rewritten: grants are recorded again", j->path);
        return 0;
    }
    if (!j->dirty)
        return 0;
    j->dirty = false;
    if (fsync(j->fd) < 0) {
        j->stale = true; /* written pages may be lost: rewrite them */
        fail(err, errlen, j->path);
        return -1;
    }
    return 0;
}

void journal_close(struct journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}
