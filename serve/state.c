/* SPDX-License-Identifier: Apache-2.0 */
/* state.c: the state file behind --state: appended, rewritten (opening,
 * locking and reading it is state_open.c's). Its format is
 * serve/journal.c's.
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
 * to repair it after a failure, and when the file at the path is no
 * longer ours (removed, or its directory moved away). Start times only
 * mean something within one boot, so leases of another boot are dropped (a
 * boot id unknown, to the file or to us, keeps them: their owners are
 * checked as ever).
 *
 * One server per file: it holds flock(2) on the file at the path from start
 * to exit (a rewrite locks the new file before renaming it into place), and
 * a second server finds it locked and exits. Nothing here follows a symbolic
 * link or opens anything but a regular file. */
#include "lib/sys.h"
#include "serve/daemon.h"
#include "serve/journal.h"
#include "serve/log.h"
#include "serve/owner_slots.h"
#include "serve/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int state_errno_msg(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
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
    if (fsync(fd) < 0)
        return close_keep_errno(fd);
    return close(fd);
}

/* The grant record of port, as the lease table has it (a rewrite). */
static void grant_of(const struct leases *ls, unsigned port, struct journal_record *r)
{
    const struct lease *l = leases_lease(ls, port);
    const struct owner *o = leases_owner_of(ls, port);
    const char *name = leases_name_of(ls, port);
    *r = (struct journal_record){'G', port, o->pid, o->start, l->uid, ""};
    if (name)
        snprintf(r->name, sizeof(r->name), "%s", name);
}

/* Write the file's text for the live leases of ls, of boot, to fd, a
 * buffer at a time: a full pool's text (1.8 MB for 50,000 leases) is never
 * resident whole. Returns its length, or -1 with errno set. */
static ssize_t write_snapshot(int fd, const struct leases *ls, const char *boot)
{
    char buf[16384];
    struct journal_record r;
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

int state_rewrite(struct state_file *j, const struct leases *ls, char *err,
                    size_t errlen)
{
    char tmp[4096];
    int fd = temp_create(tmp, sizeof(tmp), j->path, O_WRONLY | O_APPEND | O_CLOEXEC,
                         &j->notes);
    if (fd < 0) {
        j->error = errno;
        j->write_errors++;
        return state_errno_msg(err, errlen, tmp);
    }
    /* Locked before it is renamed into place: the lock never lapses. */
    ssize_t len = flock(fd, LOCK_EX | LOCK_NB) < 0 ? -1
                  : write_snapshot(fd, ls, j->boot);
    if (len < 0 || fsync(fd) < 0 || rename(tmp, j->path) < 0) {
        close_keep_errno(fd);
        j->error = errno;
        j->write_errors++;
        unlink(tmp);
        errno = j->error;
        return state_errno_msg(err, errlen, tmp);
    }
    if (j->fd >= 0)
        close(j->fd);
    j->fd = fd;
    j->good = (size_t)len;
    j->records = ls->nleases;
    j->dirty = j->must_rewrite = j->stale = false;
    j->error = 0;
    j->compactions++;
    /* The new file is in place, whole and fsync'd, and it is what the
     * table holds: a rewrite done, whose rename alone a power loss might
     * undo (back to the old file, as good as the last rewrite). So not a
     * failure, which a grant would undo in the table alone: rewrite again
     * at the next tick. */
    if (sync_dir(j->path) < 0) {
        note(&j->notes, LOG_WARN, "%s: fsync of its directory: %s: rewritten again soon",
             j->path, strerror(errno));
        j->stale = true;
    }
    return 0;
}

/* Cut the file back to its last whole record after a failed append; if
 * that fails too, nothing is appended until a rewrite. errno is kept. */
static void cut_back(struct state_file *j)
{
    int saved = errno;
    if (ftruncate(j->fd, (off_t)j->good) < 0) {
        note(&j->notes, LOG_ERROR, "%s: cannot cut a torn record off: %s: no grant until "
             "the file is rewritten", j->path, strerror(errno));
        j->must_rewrite = true;
        j->error = errno;
    }
    errno = saved;
}

/* Append len bytes of whole records; on failure cut them off again. */
static int append(struct state_file *j, const char *buf, size_t len, size_t records)
{
    if (write_all(j->fd, buf, len) < 0) {
        j->write_errors++;
        cut_back(j);
        return -1;
    }
    j->appends++;
    j->good += len;
    j->records += records;
    j->dirty = true;
    return 0;
}

int state_append_grants(struct state_file *j, const struct grants *g,
                        const struct leases *ls, char *err, size_t errlen)
{
    char buf[8192];
    size_t n = 0, pending = 0;
    struct journal_record r = {'G', 0, g->pid, g->start, g->uid, ""};
    if (j->fd < 0)
        return 0;
    if (j->must_rewrite && j->error == EWOULDBLOCK) {
        snprintf(err, errlen, "%s: locked by another process now (a second "
                 "server?)", j->path);
        return -1;
    }
    if (j->must_rewrite) {
        errno = j->error ? j->error : EIO;
        return state_errno_msg(err, errlen, j->path);
    }
    /* Never grow the file past what a restart would read: rewrite it (the
     * table already holds these grants) instead. */
    if (j->good + (size_t)g->count * JOURNAL_RECORD_MAX > JOURNAL_MAX_BYTES)
        return state_rewrite(j, ls, err, errlen);
    size_t start = j->good;
    for (unsigned i = 0; i < g->count; i++) {
        r.port = g->ports[i];
        snprintf(r.name, sizeof(r.name), "%s", g->names ? g->names[i] : "");
        n += journal_record(buf + n, sizeof(buf) - n, &r);
        pending++;
        if (i + 1 < g->count && n + JOURNAL_RECORD_MAX <= sizeof(buf))
            continue;
        if (append(j, buf, n, pending) < 0) {
            /* All or none: records of this batch already written go too. */
            int saved = errno;
            j->good = start;
            cut_back(j);
            errno = saved;
            return state_errno_msg(err, errlen, j->path);
        }
        n = pending = 0;
    }
    return 0;
}

int state_append_end(struct state_file *j, unsigned port)
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

/* Is our fd no longer the file at the path: removed (a cleaner of /tmp)
 * or moved away with its directory? Its appends would then reach a file no
 * restart reads. A failure to tell is not taken for an answer. */
static bool replaced(const struct state_file *j)
{
    struct stat ours, at;
    if (fstat(j->fd, &ours) < 0)
        return false;
    if (lstat(j->path, &at) < 0)
        return errno == ENOENT;
    return at.st_dev != ours.st_dev || at.st_ino != ours.st_ino;
}

int state_tick(struct state_file *j, const struct leases *ls, char *err,
                 size_t errlen)
{
    *err = '\0';
    if (j->fd < 0)
        return 0;
    /* Checked each second while there are leases to lose or appends to
     * sync (the timer runs then), as fsync is: the same window. Until the
     * file is back in place, grants are refused, as on a full disk. */
    if ((j->dirty || ls->nleases) && !j->must_rewrite && replaced(j)) {
        note(&j->notes, LOG_WARN, "%s: removed or replaced while in use: "
             "written anew", j->path);
        j->must_rewrite = true;
    }
    if (j->must_rewrite) {
        int other = state_held_by_another(j);
        if (other != 0) {
            if (other > 0 && j->error != EWOULDBLOCK)
                snprintf(err, errlen, "%s: locked by another process now (a "
                         "second server?): no grant until it lets go", j->path);
            else if (other < 0 && j->error != errno)
                state_errno_msg(err, errlen, j->path);
            j->error = other > 0 ? EWOULDBLOCK : errno;
            return -1;
        }
    }
    if (j->must_rewrite || j->stale || j->records > 2 * ls->nleases + 64) {
        bool repair = j->must_rewrite;
        int was = j->error;
        if (state_rewrite(j, ls, err, errlen) < 0) {
            if (j->error && was == j->error)
                *err = '\0'; /* said already, a second ago */
            return repair || j->stale ? -1 : 0;
        }
        if (repair)
            note(&j->notes, LOG_NOTICE, "%s: rewritten: grants are recorded again", j->path);
        return 0;
    }
    if (!j->dirty)
        return 0;
    j->dirty = false;
    if (fsync(j->fd) < 0) {
        j->write_errors++;
        j->stale = true; /* written pages may be lost: rewrite them */
        state_errno_msg(err, errlen, j->path);
        return -1;
    }
    return 0;
}

void state_close(struct state_file *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}
