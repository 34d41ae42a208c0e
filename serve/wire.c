/* wire.c: framing and parsing of portserver requests. Pure functions.
 *
 * A request is a decimal pid, optionally padded with whitespace, at most
 * WIRE_MAX bytes, ended by a newline (what every client sends), by EOF, or
 * by the client's timeout: a pid without a newline from a client that then
 * waits for the answer is answered when its time is up. Unlike
 * portserver.py's single read(100), a pid that arrives in pieces is
 * parsed whole. portserver.py's int() also takes '_' between digits; no
 * client sends that, so it is refused here. */
#include "serve/serve.h"

#include <limits.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

enum wire_status wire_parse(const char *buf, size_t len, bool done,
                            long long *pid, const char **why)
{
    size_t i = 0, digits = 0;
    bool negative = false;
    unsigned long long value = 0;

    if (len > WIRE_MAX) {
        *why = "longer than 20 bytes";
        return WIRE_BAD;
    }
    while (i < len && is_space(buf[i]) && buf[i] != '\n')
        i++;
    if (i < len && buf[i] == '\n') {
        *why = "empty line";
        return WIRE_BAD;
    }
    if (i < len && (buf[i] == '+' || buf[i] == '-'))
        negative = buf[i++] == '-';
    for (; i < len && is_digit(buf[i]); i++, digits++)
        if (value <= (unsigned long long)INT_MAX + 1)
            value = value * 10 + (unsigned)(buf[i] - '0');
    bool line_end = false;
    for (; i < len && is_space(buf[i]); i++)
        line_end = line_end || buf[i] == '\n';
    if (i < len) {
        *why = !digits ? "not a number"
               : line_end ? "bytes after the newline"
               : is_digit(buf[i]) ? "two numbers" : "not a number";
        return WIRE_BAD;
    }
    if (!line_end && !done)
        return WIRE_MORE;
    if (!digits) {
        *why = len ? "no digits" : "empty";
        return WIRE_BAD;
    }
    if (value > (unsigned long long)INT_MAX + 1)
        value = (unsigned long long)INT_MAX + 1;
    *pid = negative ? -(long long)value : (long long)value;
    return WIRE_PID;
}
