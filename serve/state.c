/* state.c: the lease journal behind --state.
 *
 * The file is text, one record a line:
 *     portpicker-leases 1 BOOT_ID
 *     G PORT PID START UID [NAME]  a lease granted (PID in our namespace),
 *                               with its v1 NAME if it has one
 *     R PORT                    a lease ended while its owner lives on
 * (a dead owner's leases need no record: a restart drops them anyway).
 * Each record is appended with one write(2) before the client gets its
 * reply, so killing the server (even with SIGKILL) loses nothing: the page
 * cache outlives the process. fsync is batched on a timer; a power loss can
 * lose the last second of records. The file is rewritten whole (temp file,
 * fsync, rename, fsync of the directory) at start, at shutdown and when it
 * holds more than twice as many records as live leases. Start times only
 * mean something within one boot, so leases of another boot are dropped. */
#include "serve/log.h"
#include "serve/owner.h"
#include "serve/state.h"
#include "serve/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAGIC "portpicker-leases 1"

struct saved {
    bool present;
    pid_t pid;
    uid_t uid;
    uint64_t start;
    char name[V1_NAME_MAX];
};

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

/* The whole file in a NUL-terminated malloc'd buffer; NULL with errno. */
static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return NULL;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
        ssize_t n = read(fd, buf, (size_t)st.st_size);
        if (n < 0) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return buf;
}

/* Apply one record line to saved. Returns false if it is not a record. */
static bool apply(struct saved *saved, const char *line)
{
    unsigned port;
    int pid;
    unsigned long long start;
    unsigned uid;
    char name[V1_NAME_MAX] = "";
    int fields = sscanf(line, "G %u %d %llu %u %31s", &port, &pid, &start, &uid, name);
    if (fields >= 4 && port >= 1 && port <= PORT_MAX && pid > 0) {
        saved[port] = (struct saved){true, pid, uid, start, ""};
        memcpy(saved[port].name, name, sizeof(name));
        return true;
    }
    if (sscanf(line, "R %u", &port) == 1 && port >= 1 && port <= PORT_MAX) {
        saved[port].present = false;
        return true;
    }
    return false;
}

int journal_load(const char *path,
                 int (*add)(void *arg, unsigned port, pid_t pid,
                            uint64_t start, uid_t uid, const char *name),
                 void *arg, char *err, size_t errlen)
{
    char *text = slurp(path);
    if (!text) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!text[0]) { /* created empty beforehand: no leases yet */
        free(text);
        return 0;
    }
    char boot[64], header[128];
    boot_id(boot, sizeof(boot));
    snprintf(header, sizeof(header), JOURNAL_MAGIC " %s\n", boot);
    if (strncmp(text, JOURNAL_MAGIC " ", sizeof(JOURNAL_MAGIC)) != 0) {
        snprintf(err, errlen, "%s: not a portpicker lease file", path);
        free(text);
        return -1;
    }
    if (strncmp(text, header, strlen(header)) != 0) {
        slog(LOG_INFO, "%s: written before the last boot: no lease kept", path);
        free(text);
        return 0;
    }
    struct saved *saved = calloc(PORT_MAX + 1, sizeof(*saved));
    if (!saved) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(text);
        return -1;
    }
    size_t bad = 0;
    /* A last line without its newline is a record cut short: skipped. */
    for (char *line = strchr(text, '\n') + 1, *end; (end = strchr(line, '\n'));
         line = end + 1) {
        *end = '\0';
        bad += !apply(saved, line);
    }
    if (bad)
        slog(LOG_WARN, "%s: %zu lines skipped", path, bad);
    int rc = 0;
    for (unsigned port = 1; port <= PORT_MAX && rc == 0; port++)
        if (saved[port].present)
            rc = add(arg, port, saved[port].pid, saved[port].start,
                     saved[port].uid, saved[port].name[0] ? saved[port].name : NULL);
    free(saved);
    free(text);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return rc;
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

/* The journal's text for the live leases of ls, malloc'd; NULL on ENOMEM. */
static char *snapshot(const struct leases *ls, size_t *len)
{
    char boot[64];
    boot_id(boot, sizeof(boot));
    size_t cap = 128 + ls->nleases * (48 + V1_NAME_MAX);
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t n = (size_t)snprintf(buf, cap, JOURNAL_MAGIC " %s\n", boot);
    for (unsigned port = leases_next_leased(ls, 0); port;
         port = leases_next_leased(ls, port)) {
        const struct lease *l = leases_lease(ls, port);
        const struct owner *o = leases_owner_of(ls, port);
        const char *name = leases_name_of(ls, port);
        n += (size_t)snprintf(buf + n, cap - n, "G %u %d %llu %u%s%s\n", port,
                              (int)o->pid, (unsigned long long)o->start,
                              (unsigned)l->uid, name ? " " : "", name ? name : "");
    }
    *len = n;
    return buf;
}

/* Write text to a new file at path and fsync it. Returns 0, or -1 with
 * errno set and no file left. */
static int write_synced(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write_all(fd, text, len) < 0 || fsync(fd) < 0 || close(fd) < 0) {
        int saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return -1;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
}

int journal_compact(struct journal *j, const struct leases *ls, char *err,
                    size_t errlen)
{
    char tmp[4096];
    size_t len;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", j->path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return fail(err, errlen, j->path);
    }
    char *text = snapshot(ls, &len);
    if (!text)
        return fail(err, errlen, "malloc");
    int rc = write_synced(tmp, text, len);
    free(text);
    if (rc < 0)
        return fail(err, errlen, tmp);
    if (rename(tmp, j->path) < 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return fail(err, errlen, j->path);
    }
    if (sync_dir(j->path) < 0)
        return fail(err, errlen, "fsync of the state file's directory");
    if (j->fd >= 0)
        close(j->fd);
    j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (j->fd < 0)
        return fail(err, errlen, j->path);
    j->records = ls->nleases;
    j->dirty = false;
    return 0;
}

static int append(struct journal *j, const char *line, int len)
{
    if (j->fd < 0)
        return 0;
    if (len < 0 || write_all(j->fd, line, (size_t)len) < 0)
        return -1;
    j->records++;
    j->dirty = true;
    return 0;
}

int journal_grant(struct journal *j, unsigned port, const struct owner *o,
                  uid_t uid, const char *name)
{
    char line[96 + V1_NAME_MAX];
    return append(j, line, snprintf(line, sizeof(line), "G %u %d %llu %u%s%s\n",
                                    port, (int)o->pid,
                                    (unsigned long long)o->start, (unsigned)uid,
                                    name ? " " : "", name ? name : ""));
}

int journal_end(struct journal *j, unsigned port)
{
    char line[32];
    return append(j, line, snprintf(line, sizeof(line), "R %u\n", port));
}

int journal_sync(struct journal *j)
{
    if (j->fd < 0 || !j->dirty)
        return 0;
    j->dirty = false;
    return fsync(j->fd);
}

void journal_close(struct journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}
