/* SPDX-License-Identifier: Apache-2.0 */
/* msg.h: the one writer of lines to stderr (lib/msg.c), quote(), how a
 * line shows what a user typed, and stdout_done(), how an answer ends. */
#ifndef PORTPICKER_MSG_H
#define PORTPICKER_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The format checking of printf-like functions: C99's printf (%zu). The
 * Windows build says gnu_printf, since mingw-w64's gcc takes "printf" for
 * msvcrt's, which has no %z (the build uses mingw's own printf). */
#ifndef PRINTF_FORMAT
#define PRINTF_FORMAT printf
#endif

/* ---- lib/msg.c ---- */

/* The name messages start with: "portpicker pick". Set by main. */
extern const char *applet_name;

/* The longest line vmsg and msg_line make, its newline included. */
enum { MSG_LINE_MAX = 1023 };

/* Format "STAMPportpicker APPLET: LEVEL: MESSAGE: strerror(errnum)\n" into
 * line (MSG_LINE_MAX + 1 bytes); stamp and level may be NULL, errnum 0, and
 * a line too long is cut, its newline kept. Returns its length. */
size_t msg_line(char *line, const char *stamp, const char *level, int errnum,
                const char *fmt, va_list ap);
/* msg_line's line, written to stderr in one write(2). The line writer of
 * die() and warn(); the daemon's log holds its lines first (serve/log.c). */
void vmsg(const char *stamp, const char *level, int errnum, const char *fmt,
          va_list ap);

/* Print "portpicker APPLET: MESSAGE\n" to stderr in one write and exit with
 * code. die_errno appends ": strerror(errno)". */
_Noreturn void die(int code, const char *fmt, ...)
    __attribute__((format(PRINTF_FORMAT, 2, 3)));
_Noreturn void die_errno(int code, const char *fmt, ...)
    __attribute__((format(PRINTF_FORMAT, 2, 3)));
/* Same line as die(), without exiting. */
void warn(const char *fmt, ...) __attribute__((format(PRINTF_FORMAT, 1, 2)));

/* Flush stdout, or die_errno(RC_SYSTEM, "writing WHAT"): an answer lost
 * (a full disk, a closed pipe) is never exit 0. A write that failed before
 * counts: stdio keeps its error, and musl's fflush, with nothing left to
 * write, then returns 0. */
void stdout_done(const char *what);

/* How every message shows a value a user gave (an argument, an option's
 * value, an environment variable, a file name): 'TEXT' in single quotes,
 * escaped as proto_escape's text style (a newline as \n, any other control
 * byte as \xHH), and its first QUOTE_BYTES bytes only, then "...". So a
 * message stays one line whatever was typed. Writes into buf (size bytes;
 * QUOTE_SIZE holds any value) and returns it. */
enum { QUOTE_BYTES = 48, QUOTE_SIZE = 6 * QUOTE_BYTES + 6 };
const char *quote(char *buf, size_t size, const char *text);

/* quote() into a buffer that lives until the end of the enclosing block:
 * die(RC_USAGE, "NAME: %s is not a name", QUOTED(word)). */
#define QUOTED(text) quote((char[QUOTE_SIZE]){0}, QUOTE_SIZE, (text))

/* May a message show text as it is? NULL when it is valid UTF-8 with no
 * proto_is_control character (C0, DEL, C1, a line separator, a bidi
 * control), else why not, to follow it: "has a control character", "is
 * not valid UTF-8". A name every message and log line shows again (a server's
 * address, the daemon's files) is refused with that reason where it is
 * given. */
const char *unprintable(const char *text);

#endif
