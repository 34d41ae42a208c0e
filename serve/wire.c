/* wire.c: framing and parsing of portserver requests. Pure functions.
 *
 * A request is a decimal pid, optionally padded with whitespace, at most
 * WIRE_MAX bytes, ended by a newline (what every client sends), by EOF, or
 * by the client's timeout: a pid without a newline from a client that then
 * waits for the answer is answered when its time is up. Unlike
 * portserver.py's single read(100), a pid that arrives in pieces is
 * parsed whole. portserver.py's int() also takes '_' between digits; no
 * client sends that, so it is refused here. */
#include "portpicker.h"
#include "serve/wire.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

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

enum wire_status wire_frame_v1(const char *buf, size_t len, bool done,
                               size_t *line_len, const char **why)
{
    const char *nl = memchr(buf, '\n', len);
    size_t end = nl ? (size_t)(nl - buf) : len;
    if (end > V1_MAX) {
        *why = "v1 request longer than 1024 bytes";
        return WIRE_BAD;
    }
    if (nl && end + 1 < len) {
        *why = "bytes after the newline";
        return WIRE_BAD;
    }
    /* wire_parse_v1 reads the line as a C string: past a NUL it would
     * accept a request without seeing the rest of it. */
    if (memchr(buf, '\0', end)) {
        *why = "NUL byte in a v1 request";
        return WIRE_BAD;
    }
    if (!nl && !done)
        return WIRE_MORE;
    *line_len = end;
    return WIRE_V1;
}

/* A decimal number without sign or leading junk, lo..hi. */
static bool v1_number(const char *word, unsigned long long lo,
                      unsigned long long hi, unsigned long long *out)
{
    unsigned long long value = 0;
    size_t digits = 0;
    for (; word[digits]; digits++) {
        if (!is_digit(word[digits]) || digits >= 10)
            return false;
        value = value * 10 + (unsigned)(word[digits] - '0');
    }
    if (!digits || value < lo || value > hi)
        return false;
    *out = value;
    return true;
}

static bool v1_name(const char *word)
{
    size_t i = 0;
    for (; word[i]; i++) {
        char c = word[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!letter && !(i > 0 && is_digit(c)))
            return false;
    }
    return i > 0 && i < V1_NAME_MAX;
}

/* Split line at single spaces into words; false on an empty word. */
static bool v1_split(char *line, char **words, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = line;;) {
        char *space = strchr(p, ' ');
        if (space)
            *space = '\0';
        if (!*p || *n == max)
            return false;
        words[(*n)++] = p;
        if (!space)
            return true;
        p = space + 1;
    }
}

static enum v1_parse v1_pick(char **w, size_t n, struct v1_request *r,
                             char *why, size_t whylen)
{
    unsigned long long value;
    if (n < 4 || !v1_number(w[2], 1, INT_MAX, &value)) {
        snprintf(why, whylen, "usage: v1 pick PID N [NAME...]");
        return V1_BAD_REQUEST;
    }
    r->pid = (long long)value;
    if (!v1_number(w[3], 1, V1_MAX_PORTS, &value)) {
        snprintf(why, whylen, "N must be 1-%d", V1_MAX_PORTS);
        return V1_BAD_REQUEST;
    }
    r->count = (unsigned)value;
    r->nnames = (unsigned)(n - 4);
    if (r->nnames && r->nnames != r->count) {
        snprintf(why, whylen, "%u NAMEs for %u ports", r->nnames, r->count);
        return V1_BAD_REQUEST;
    }
    for (unsigned i = 0; i < r->nnames; i++) {
        if (!v1_name(w[4 + i])) {
            snprintf(why, whylen, "NAME %u is not a name", i + 1);
            return V1_BAD_REQUEST;
        }
        r->names[i] = w[4 + i];
    }
    return V1_OK;
}

static enum v1_parse v1_release(char **w, size_t n, struct v1_request *r,
                                char *why, size_t whylen)
{
    unsigned long long value;
    if (n < 3) {
        snprintf(why, whylen, "usage: v1 release PORT...");
        return V1_BAD_REQUEST;
    }
    /* v1_split allows a few words more than r->ports holds. */
    if (n - 2 > V1_MAX_PORTS) {
        snprintf(why, whylen, "at most %d PORTs", V1_MAX_PORTS);
        return V1_BAD_REQUEST;
    }
    r->count = (unsigned)(n - 2);
    for (unsigned i = 0; i < r->count; i++) {
        if (!v1_number(w[2 + i], 1, PORT_MAX, &value)) {
            snprintf(why, whylen, "PORT %u is not a port", i + 1);
            return V1_BAD_REQUEST;
        }
        r->ports[i] = (uint16_t)value;
    }
    return V1_OK;
}

enum v1_parse wire_parse_v1(char *line, struct v1_request *r, char *why,
                            size_t whylen)
{
    char *w[V1_MAX_PORTS + 4];
    size_t n;
    if (!v1_split(line, w, sizeof(w) / sizeof(w[0]), &n)) {
        snprintf(why, whylen, "words are separated by single spaces");
        return V1_BAD_REQUEST;
    }
    if (strcmp(w[0], "v1")) {
        snprintf(why, whylen, "this server speaks v1");
        return V1_UNSUPPORTED;
    }
    if (n >= 2 && !strcmp(w[1], "pick")) {
        r->verb = V1_PICK;
        return v1_pick(w, n, r, why, whylen);
    }
    if (n >= 2 && !strcmp(w[1], "release")) {
        r->verb = V1_RELEASE;
        return v1_release(w, n, r, why, whylen);
    }
    if (n == 2 && (!strcmp(w[1], "status") || !strcmp(w[1], "leases"))) {
        r->verb = w[1][0] == 's' ? V1_STATUS : V1_LEASES;
        return V1_OK;
    }
    if (n >= 2 && (!strcmp(w[1], "status") || !strcmp(w[1], "leases"))) {
        snprintf(why, whylen, "%s takes no arguments", w[1]);
        return V1_BAD_REQUEST;
    }
    snprintf(why, whylen, "unknown verb '%.32s'", n >= 2 ? w[1] : "");
    return n >= 2 ? V1_UNSUPPORTED : V1_BAD_REQUEST;
}
