/* log.c: the server's log, one line per event on stderr.
 *
 * Each line is built whole and sent with one write(2), so lines never
 * interleave with another process sharing stderr. Under systemd
 * (JOURNAL_STREAM set) the journal stamps lines itself; elsewhere each line
 * starts with the local time. */
#include "serve/serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int log_level = LOG_INFO;

static const char *const level_names[] = {"error", "warning", "notice", "info",
                                           "debug"};

static size_t stamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    if (getenv("JOURNAL_STREAM") || clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
        !localtime_r(&ts.tv_sec, &tm))
        return 0;
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    int more = snprintf(buf + n, len - n, ".%03ld ", ts.tv_nsec / 1000000);
    return more > 0 ? n + (size_t)more : n;
}

void slog(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char line[1024];
    size_t len = stamp(line, sizeof(line));
    int n = snprintf(line + len, sizeof(line) - len, "%s: %s: ", applet_name,
                     level_names[level]);
    if (n > 0)
        len += (size_t)n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    va_end(ap);
    if (n > 0)
        len += (size_t)n;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* A log that cannot be written is no reason to stop serving. */
    if (write(STDERR_FILENO, line, len) < 0)
        return;
}
