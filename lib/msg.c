/* SPDX-License-Identifier: Apache-2.0 */
/* msg.c: the one writer of lines to stderr: the applets' messages and
 * exits here, and the daemon's log (serve/log.c).
 *
 * Each line is formatted whole and sent with one write(2), so lines from
 * concurrent processes (a test running many pickers, a server sharing
 * stderr) never interleave. */
#include "portpicker.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *applet_name = "portpicker";

/* Append text to line[*len..room), cut at room. */
static void put(char *line, size_t *len, size_t room, const char *text)
{
    size_t n = strlen(text);
    if (n > room - *len)
        n = room - *len;
    memcpy(line + *len, text, n);
    *len += n;
}

size_t msg_line(char *line, const char *stamp, const char *level, int errnum,
                const char *fmt, va_list ap)
{
    size_t room = MSG_LINE_MAX; /* the newline always fits */
    size_t len = 0;
    /* The fixed parts are copied, not printed: a server logs a line per
     * grant, and its one printf is the message's. */
    put(line, &len, room, stamp ? stamp : "");
    put(line, &len, room, applet_name);
    put(line, &len, room, ": ");
    if (level) {
        put(line, &len, room, level);
        put(line, &len, room, ": ");
    }
    if (len < room) {
        int n = vsnprintf(line + len, room - len, fmt, ap);
        len += n > 0 ? (size_t)n : 0;
        if (len > room)
            len = room;
    }
    if (errnum && len < room) {
        put(line, &len, room, ": ");
        put(line, &len, room, strerror(errnum));
    }
    if (len > room - 1)
        len = room - 1;
    line[len++] = '\n';
    return len;
}

void vmsg(const char *stamp, const char *level, int errnum, const char *fmt,
          va_list ap)
{
    char line[MSG_LINE_MAX + 1];
    size_t len = msg_line(line, stamp, level, errnum, fmt, ap);
    /* Nothing sensible is left to do if stderr is gone: the line is
     * dropped (serve/log.c's log_flush does the same). */
    ssize_t n = write(STDERR_FILENO, line, len);
    (void)n;
}

void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, NULL, 0, fmt, ap);
    va_end(ap);
}

_Noreturn void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, NULL, 0, fmt, ap);
    va_end(ap);
    exit(code);
}

_Noreturn void die_errno(int code, const char *fmt, ...)
{
    int errnum = errno;
    va_list ap;
    va_start(ap, fmt);
    vmsg(NULL, NULL, errnum, fmt, ap);
    va_end(ap);
    exit(code);
}

const char *unprintable(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    for (size_t i = 0, n; i < len; i += n) {
        unsigned long cp;
        n = proto_utf8_char(s + i, len - i, &cp);
        if (!n)
            return "is not valid UTF-8";
        if (proto_is_control(cp))
            return "has a control character";
    }
    return NULL;
}

void stdout_done(const char *what)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (!errno)
            errno = EIO; /* the failed write's errno was not kept */
        die_errno(RC_SYSTEM, "writing %s", what);
    }
}

const char *quote(char *buf, size_t size, const char *text)
{
    size_t len = strlen(text), n = len > QUOTE_BYTES ? QUOTE_BYTES : len;
    if (size < 6) /* '' and ... */
        return size ? (*buf = '\0', buf) : "";
    buf[0] = '\'';
    /* proto_escape never cuts an escape in two; a UTF-8 character cut at
     * QUOTE_BYTES shows as \xHH bytes. */
    size_t at = 1 + proto_escape(buf + 1, size - 5, text, n, PROTO_ESCAPE_TEXT);
    snprintf(buf + at, size - at, "%s'", n < len ? "..." : "");
    return buf;
}
