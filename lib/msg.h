/* SPDX-License-Identifier: Apache-2.0 */
/* msg.h: the one writer of lines to stderr (lib/msg.c). */
#ifndef PORTPICKER_MSG_H
#define PORTPICKER_MSG_H

#include <stdarg.h>

/* The format checking of printf-like functions: C99's printf (%zu). The
 * Windows build says gnu_printf, since mingw-w64's gcc takes "printf" for
 * msvcrt's, which has no %z (the build uses mingw's own printf). */
#ifndef PRINTF_FORMAT
#define PRINTF_FORMAT printf
#endif

/* ---- lib/msg.c ---- */

/* The name messages start with: "portpicker pick". Set by main. */
extern const char *applet_name;

/* Write "STAMPportpicker APPLET: LEVEL: MESSAGE: strerror(errnum)\n" to
 * stderr in one write(2); stamp and level may be NULL, errnum 0, and a line
 * too long is cut. The line writer of both die() and the daemon's log. */
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

#endif
