/* msg.c: error messages and exits.
 *
 * Each message is formatted whole and sent with one write(2), so lines from
 * concurrent processes (a test running many pickers) never interleave. */
#include "portpicker.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *applet_name = "portpicker";

static void vmessage(const char *fmt, va_list ap, int errnum)
{
    char line[1024];
    int len = snprintf(line, sizeof(line), "%s: ", applet_name);
    if (len < 0)
        return;
    int body = vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
    if (body > 0)
        len += body;
    if ((size_t)len > sizeof(line) - 2)
        len = (int)sizeof(line) - 2;
    if (errnum) {
        int more = snprintf(line + len, sizeof(line) - (size_t)len, ": %s",
                            strerror(errnum));
        if (more > 0)
            len += more;
        if ((size_t)len > sizeof(line) - 2)
            len = (int)sizeof(line) - 2;
    }
    line[len++] = '\n';
    /* Nothing sensible is left to do if stderr is gone. */
    if (write(STDERR_FILENO, line, (size_t)len) < 0)
        return;
}

void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap, 0);
    va_end(ap);
}

_Noreturn void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap, 0);
    va_end(ap);
    exit(code);
}

_Noreturn void die_errno(int code, const char *fmt, ...)
{
    int errnum = errno;
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap, errnum);
    va_end(ap);
    exit(code);
}
