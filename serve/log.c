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
 * Under systemd (JOURNAL_STREAM set) the journal stamps lines itself;
 * elsewhere each line starts with the local time. */
#include "lib/msg.h"

#include "serve/log.h"
#include "serve/notes.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

void log_flush(void)
{
    if (!held_len)
        return;
    int saved = errno;
    /* Nothing sensible is left to do if stderr is gone: the lines are
     * dropped, as a line whose own write failed was. */
    ssize_t n = write(STDERR_FILENO, held, held_len);
    (void)n;
    held_len = 0;
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
