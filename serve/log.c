/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: the server's log, one line per event on stderr.
 *
 * Lines are built whole by lib/msg.c's msg_line. Info and debug lines
 * (a line per grant, release and death) are held here and written together
 * by log_flush, which the server calls before it sends a reply and before
 * it waits for events: a line about a request is out before its reply, a
 * line about anything else by the end of its loop turn, and a busy turn
 * costs one write(2) instead of one per line. Errors, warnings and notices
 * go out at once, after what is held, so order is kept and the line that
 * says why the server stops is never held. A server killed mid-turn loses
 * at most that turn's info lines.
 *
 * A full pipe or socket is never waited on (write_nowait).
 *
 * Under systemd (JOURNAL_STREAM set) the journal stamps lines itself;
 * elsewhere each line starts with the local time. */
#include "lib/msg.h"

#include "serve/log.h"
#include "serve/notes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RWF_NOWAIT_FLAG 0x8 /* linux/fs.h RWF_NOWAIT (Linux 4.14) */

int log_level = LOG_INFO;

static const char *const level_names[] = {"error", "warning", "notice", "info",
                                           "debug"};

/* PIPE_BUF: a flush into a pipe is one atomic write, as each line was. */
static char held[PIPE_BUF];
static size_t held_len;

/* "2026-11-26 12:00:00.123 " into buf (STAMP_SIZE bytes), or "" (under
 * systemd, or no clock). The date and time to the second are formatted
 * once a second (a time zone's offset only changes on a whole second), the
 * milliseconds by hand: a busy server stamps a line per grant. */
enum { STAMP_SIZE = 32 };
static void stamp(char *buf)
{
    static int journal = -1;
    static time_t second = -1;
    static char date[STAMP_SIZE - 5]; /* room for ".123 " and the NUL */
    static size_t date_len;
    struct timespec ts;
    struct tm tm;
    buf[0] = '\0';
    if (journal < 0)
        journal = getenv("JOURNAL_STREAM") != NULL;
    if (journal || clock_gettime(CLOCK_REALTIME, &ts) < 0)
        return;
    if (ts.tv_sec != second) {
        second = -1; /* date is not that second's until strftime made it */
        if (!localtime_r(&ts.tv_sec, &tm) ||
            !(date_len = strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm)))
            return;
        second = ts.tv_sec;
    }
    unsigned ms = (unsigned)(ts.tv_nsec / 1000000);
    memcpy(buf, date, date_len);
    buf[date_len] = '.';
    buf[date_len + 1] = (char)('0' + ms / 100);
    buf[date_len + 2] = (char)('0' + ms / 10 % 10);
    buf[date_len + 3] = (char)('0' + ms % 10);
    buf[date_len + 4] = ' ';
    buf[date_len + 5] = '\0';
}

/* What stderr is, asked once: a reader that stops reading must not stop
 * the server (every client would wait, SIGTERM too), so a pipe or a socket
 * (the journal's stream) is written without waiting; a file or a terminal
 * as it comes. O_NONBLOCK on the inherited pipe would change it for every
 * process that shares it, so a pipe is opened anew, ours alone, through
 * /proc/self/fd; without /proc, pwritev2's RWF_NOWAIT asks it of each
 * write (an anonymous pipe's, not a named FIFO's). */
enum { OUT_UNKNOWN, OUT_WAITS, OUT_NOWAIT, OUT_SOCKET, OUT_RWF };
static int out_kind = OUT_UNKNOWN;
static unsigned long dropped; /* lines lost to a full stderr */
static int drop_errno;        /* why, the last time */
static size_t cut;            /* held's head: the end of a line half out */

static int stderr_kind(void)
{
    struct stat st;
    if (fstat(STDERR_FILENO, &st) < 0)
        return OUT_WAITS;
    if (S_ISSOCK(st.st_mode))
        return OUT_SOCKET;
    if (!S_ISFIFO(st.st_mode))
        return OUT_WAITS;
    int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO) {
        close(fd);
        return OUT_NOWAIT;
    }
    if (fd >= 0)
        close(fd);
    return OUT_RWF;
}

static ssize_t write_nowait(const char *buf, size_t len)
{
    if (out_kind == OUT_UNKNOWN)
        out_kind = stderr_kind();
    if (out_kind == OUT_SOCKET)
        return send(STDERR_FILENO, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
#ifdef SYS_pwritev2 /* every libc's headers for Linux name it */
    if (out_kind == OUT_RWF) {
        /* musl has no wrapper; offset -1 is the pipe's own position. */
        struct iovec v = {.iov_base = (void *)buf, .iov_len = len};
        ssize_t n = syscall(SYS_pwritev2, STDERR_FILENO, &v, 1, -1L, -1L,
                            RWF_NOWAIT_FLAG);
        if (n >= 0 || (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL))
            return n;
        out_kind = OUT_WAITS; /* a named FIFO, or a kernel without it */
    }
#endif
    return write(STDERR_FILENO, buf, len);
}

static unsigned long count_lines(const char *buf, size_t len)
{
    unsigned long n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n;
}

void log_flush(void)
{
    if (!held_len)
        return;
    int saved = errno;
    ssize_t n = write_nowait(held, held_len);
    if (n > 0 && (size_t)n < held_len) {
        /* A part went (a socket, a disk filling up): the rest, one line's
         * end and whole lines, goes next time. That end, whose start is
         * out, is never dropped (cut), so no line is torn in the middle. */
        bool at_line_end = held[n - 1] == '\n';
        memmove(held, held + n, held_len - (size_t)n);
        held_len -= (size_t)n;
        cut = at_line_end ? 0
              : (size_t)((const char *)memchr(held, '\n', held_len) - held) + 1;
        errno = saved;
        return;
    }
    /* A full stderr (EAGAIN), a full disk, or one gone: the lines are
     * dropped but a cut line's end, counted and said when a write gets
     * through again. */
    if (n < 0) {
        dropped += count_lines(held + cut, held_len - cut);
        drop_errno = errno;
        held_len = cut;
        errno = saved;
        return;
    }
    held_len = cut = 0;
    if (dropped) {
        unsigned long lost = dropped;
        dropped = 0;
        if (drop_errno == EAGAIN)
            slog(LOG_WARN, "%lu log lines dropped: stderr was full (its reader "
                 "stopped reading)", lost);
        else
            slog(LOG_WARN, "%lu log lines dropped: writing stderr: %s", lost,
                 strerror(drop_errno));
    }
    errno = saved;
}

void slog(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    /* Callers log a failure, then keep or return its errno; the clock,
     * the time zone and the write must not replace it. */
    int saved = errno;
    char when[STAMP_SIZE], line[MSG_LINE_MAX + 1];
    stamp(when);
    va_list ap;
    va_start(ap, fmt);
    size_t len = msg_line(line, when, level_names[level], 0, fmt, ap);
    va_end(ap);
    if (held_len + len > sizeof(held))
        log_flush();
    if (held_len + len > sizeof(held)) { /* a socket took only a part */
        dropped++;
        errno = saved;
        return;
    }
    memcpy(held + held_len, line, len);
    held_len += len;
    if (level <= LOG_NOTICE)
        log_flush();
    errno = saved;
}

void log_notes(struct notes *ns)
{
    for (int i = 0; i < ns->n; i++)
        slog(ns->at[i].level, "%s", ns->at[i].text);
    ns->n = 0;
}
