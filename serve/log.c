/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: the server's log, one line per event on stderr.
 *
 * Lines go through lib/msg.c's vmsg, built whole and sent with one
 * write(2). Under systemd (JOURNAL_STREAM set) the journal stamps lines
 * itself; elsewhere each line starts with the local time. */
#include "lib/msg.h"

#include "serve/log.h"
#include "serve/notes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int log_level = LOG_INFO;

static const char *const level_names[] = {"error", "warning", "notice", "info",
                                           "debug"};

/* "2026-11-26 12:00:00.123 " into buf, or "" (under systemd, or no clock). */
static void stamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    buf[0] = '\0';
    if (getenv("JOURNAL_STREAM") || clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
        !localtime_r(&ts.tv_sec, &tm))
        return;
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ld ", ts.tv_nsec / 1000000);
}

void slog(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    /* Callers log a failure, then keep or return its errno; the clock,
     * the time zone and the write must not replace it. */
    int saved = errno;
    char when[64];
    stamp(when, sizeof(when));
    va_list ap;
    va_start(ap, fmt);
    vmsg(when, level_names[level], 0, fmt, ap);
    va_end(ap);
    errno = saved;
}

void log_notes(struct notes *ns)
{
    for (int i = 0; i < ns->n; i++)
        slog(ns->at[i].level, "%s", ns->at[i].text);
    ns->n = 0;
}
