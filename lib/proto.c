/* SPDX-License-Identifier: Apache-2.0 */
/* proto.c: requests of the port server protocol (lib/proto.h): framing,
 * the one parser, and formatting with the limits checked.
 *
 * A legacy request is a decimal pid, optionally padded with whitespace,
 * ended by a newline (what every client sends), by EOF, or by the client's
 * timeout. Unlike portserver.py's single read(100), a pid that arrives in
 * pieces is parsed whole. portserver.py's int() also takes '_' between
 * digits; no client sends that, so it is refused here. */
#include "lib/msg.h"
#include "lib/proto.h"

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

const char *proto_verb_name(enum proto_verb verb)
{
    static const char *const verbs[] = {
        [VERB_PICK] = "pick", [VERB_RELEASE] = "release",
        [VERB_STATUS] = "status", [VERB_LEASES] = "leases",
        [VERB_METRICS] = "metrics",
    };
    return verb <= VERB_METRICS ? verbs[verb] : "unknown";
}

bool proto_is_versioned(const char *buf, size_t len)
{
    return len > 0 && buf[0] == 'v';
}

enum proto_frame proto_frame(const char *buf, size_t len, bool done,
                             size_t *line_len, const char **why)
{
    bool v1 = proto_is_versioned(buf, len);
    const char *nl = memchr(buf, '\n', len);
    size_t end = nl ? (size_t)(nl - buf) : len;
    if (!v1 && len > PROTO_LEGACY_MAX) {
        *why = "longer than " PROTO_STR(PROTO_LEGACY_MAX) " bytes (PROTO_LEGACY_MAX)";
        return FRAME_BAD;
    }
    if (v1 && end > PROTO_REQUEST_MAX) {
        *why = "v1 request line longer than PROTO_REQUEST_MAX bytes";
        return FRAME_BAD;
    }
    /* After the newline, portserver.py's int() takes whitespace; v1 takes
     * nothing: one request per connection. */
    for (size_t i = end + 1; nl && i < len; i++) {
        if (v1 || !is_space(buf[i])) {
            *why = "bytes after the newline";
            return FRAME_BAD;
        }
    }
    /* proto_parse reads a v1 line as C strings: past a NUL it would accept
     * a request without seeing the rest of it. */
    if (v1 && memchr(buf, '\0', end)) {
        *why = "NUL byte in a v1 request";
        return FRAME_BAD;
    }
    if (!nl && !done)
        return FRAME_MORE;
    *line_len = end;
    return FRAME_LINE;
}

static enum proto_status bad(char *why, size_t whylen, const char *text)
{
    snprintf(why, whylen, "%s", text);
    return PROTO_BAD_REQUEST;
}

static enum proto_status parse_legacy(const char *line, size_t len,
                                      struct request *r, char *why,
                                      size_t whylen)
{
    size_t i = 0, digits = 0;
    bool negative = false;
    unsigned long long value = 0;
    while (i < len && is_space(line[i]))
        i++;
    if (i < len && (line[i] == '+' || line[i] == '-'))
        negative = line[i++] == '-';
    for (; i < len && is_digit(line[i]); i++, digits++)
        if (value <= (unsigned long long)INT_MAX + 1)
            value = value * 10 + (unsigned)(line[i] - '0');
    while (i < len && is_space(line[i]))
        i++;
    if (i < len)
        return bad(why, whylen, digits && is_digit(line[i]) ? "two numbers"
                                                            : "not a number");
    if (!digits)
        return bad(why, whylen, len ? "no digits" : "empty");
    if (value > (unsigned long long)INT_MAX + 1)
        value = (unsigned long long)INT_MAX + 1;
    *r = (struct request){.verb = VERB_PICK, .legacy = true, .count = 1,
                          .pid = negative ? -(long long)value : (long long)value};
    return PROTO_OK;
}

/* A decimal number without sign or leading junk, lo..hi. */
static bool number(const char *word, unsigned long long lo,
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

/* Split line at single spaces into at most max words. */
static const char *split(char *line, char **words, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = line;;) {
        char *space = strchr(p, ' ');
        if (space)
            *space = '\0';
        if (!*p)
            return "words are separated by single spaces";
        if (*n == max)
            return "too many words";
        words[(*n)++] = p;
        if (!space)
            return NULL;
        p = space + 1;
    }
}

/* The value of a prefer= word: PORT[,PORT...], at most PROTO_MAX_PREFER. */
static const char *parse_prefer(char *list, struct request *r)
{
    unsigned long long value;
    for (char *p = list;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (r->nprefer == PROTO_MAX_PREFER)
            return "prefer=: at most " PROTO_STR(PROTO_MAX_PREFER) " ports";
        if (!number(p, 1, 65535, &value))
            return "prefer=: a comma-separated list of ports";
        r->prefer[r->nprefer++] = (uint16_t)value;
        if (!comma)
            return NULL;
        p = comma + 1;
    }
}

static enum proto_status parse_pick(char **w, size_t n, struct request *r,
                                    char *why, size_t whylen)
{
    unsigned long long value;
    if (n > 4 && !strncmp(w[n - 1], "prefer=", 7)) {
        const char *error = parse_prefer(w[n - 1] + 7, r);
        if (error)
            return bad(why, whylen, error);
        n--;
    }
    if (n < 4 || !number(w[2], 1, PROTO_PID_MAX, &value))
        return bad(why, whylen, "usage: v1 pick PID N [NAME...] [prefer=PORT,...]");
    r->pid = (long long)value;
    if (!number(w[3], 1, PROTO_MAX_PORTS, &value))
        return bad(why, whylen, "N must be 1-" PROTO_STR(PROTO_MAX_PORTS));
    r->count = (unsigned)value;
    if (n - 4 > PROTO_MAX_NAMES)
        return bad(why, whylen, "at most " PROTO_STR(PROTO_MAX_NAMES) " NAMEs");
    r->nnames = (unsigned)(n - 4);
    if (r->nnames && r->nnames != r->count) {
        snprintf(why, whylen, "%u NAMEs for %u ports", r->nnames, r->count);
        return PROTO_BAD_REQUEST;
    }
    for (unsigned i = 0; i < r->nnames; i++) {
        if (!proto_is_name(w[4 + i])) {
            snprintf(why, whylen, "NAME %u is not a name", i + 1);
            return PROTO_BAD_REQUEST;
        }
        r->names[i] = w[4 + i];
    }
    return PROTO_OK;
}

static enum proto_status parse_release(char **w, size_t n, struct request *r,
                                       char *why, size_t whylen)
{
    unsigned long long value;
    if (n < 3)
        return bad(why, whylen, "usage: v1 release PORT...");
    if (n - 2 > PROTO_MAX_PORTS)
        return bad(why, whylen, "at most " PROTO_STR(PROTO_MAX_PORTS) " PORTs");
    r->count = (unsigned)(n - 2);
    for (unsigned i = 0; i < r->count; i++) {
        if (!number(w[2 + i], 1, 65535, &value)) {
            snprintf(why, whylen, "PORT %u is not a port", i + 1);
            return PROTO_BAD_REQUEST;
        }
        r->ports[i] = (uint16_t)value;
    }
    return PROTO_OK;
}

static enum proto_status parse_v1(char *line, struct request *r, char *why,
                                  size_t whylen)
{
    char *w[PROTO_MAX_PORTS + 3];
    size_t n;
    const char *split_error = split(line, w, sizeof(w) / sizeof(w[0]), &n);
    if (split_error)
        return bad(why, whylen, split_error);
    if (strcmp(w[0], "v1")) {
        snprintf(why, whylen, "this server speaks v1");
        return PROTO_UNSUPPORTED;
    }
    memset(r, 0, offsetof(struct request, names));
    if (n >= 2 && !strcmp(w[1], "pick")) {
        r->verb = VERB_PICK;
        return parse_pick(w, n, r, why, whylen);
    }
    if (n >= 2 && !strcmp(w[1], "release")) {
        r->verb = VERB_RELEASE;
        return parse_release(w, n, r, why, whylen);
    }
    /* The questions: a verb alone, no arguments. */
    static const enum proto_verb questions[] = {VERB_STATUS, VERB_LEASES,
                                                VERB_METRICS};
    for (size_t i = 0; n >= 2 && i < sizeof(questions) / sizeof(questions[0]); i++) {
        if (strcmp(w[1], proto_verb_name(questions[i])))
            continue;
        r->verb = questions[i];
        if (n == 2)
            return PROTO_OK;
        snprintf(why, whylen, "%s takes no arguments", w[1]);
        return PROTO_BAD_REQUEST;
    }
    snprintf(why, whylen, "unknown verb '%.32s'", n >= 2 ? w[1] : "");
    return n >= 2 ? PROTO_UNSUPPORTED : PROTO_BAD_REQUEST;
}

enum proto_status proto_parse(char *line, size_t len, struct request *r,
                              char *why, size_t whylen)
{
    if (!proto_is_versioned(line, len) && len > PROTO_LEGACY_MAX)
        return bad(why, whylen, "longer than " PROTO_STR(PROTO_LEGACY_MAX)
                   " bytes (PROTO_LEGACY_MAX)");
    if (!proto_is_versioned(line, len))
        return parse_legacy(line, len, r, why, whylen);
    if (len > PROTO_REQUEST_MAX || strlen(line) != len)
        return bad(why, whylen, "not one v1 request line");
    return parse_v1(line, r, why, whylen);
}

/* Append to buf as snprintf would; *used grows past len on overflow. */
#define APPEND(buf, len, used, ...)                                           \
    ((used) += (size_t)snprintf((buf) + ((used) < (len) ? (used) : (len)),   \
                                (used) < (len) ? (len) - (used) : 0, __VA_ARGS__))

/* Why r cannot be sent, naming the limit, or NULL. */
static const char *request_error(const struct request *r, char *err,
                                 size_t errlen)
{
    bool pick = r->verb == VERB_PICK, release = r->verb == VERB_RELEASE;
    if (r->legacy && !(pick && r->count == 1 && !r->nnames && !r->nprefer))
        return "a legacy request picks one unnamed port, no preferred one";
    if (pick && !r->legacy && (r->pid < 1 || r->pid > PROTO_PID_MAX))
        snprintf(err, errlen, "pid %lld is out of range 1-%d", r->pid, PROTO_PID_MAX);
    else if ((pick || release) && (r->count < 1 || r->count > PROTO_MAX_PORTS))
        snprintf(err, errlen, "%u ports: a request holds 1 to %d (PROTO_MAX_PORTS)",
                 r->count, PROTO_MAX_PORTS);
    else if (pick && r->nnames > PROTO_MAX_NAMES)
        snprintf(err, errlen, "%u NAMEs: a pick holds at most %d (PROTO_MAX_NAMES)",
                 r->nnames, PROTO_MAX_NAMES);
    else if (pick && r->nprefer > PROTO_MAX_PREFER)
        snprintf(err, errlen, "%u preferred ports: a v1 pick holds at most %d "
                 "(PROTO_MAX_PREFER)", r->nprefer, PROTO_MAX_PREFER);
    else if (pick && r->nnames && r->nnames != r->count)
        snprintf(err, errlen, "%u NAMEs for %u ports", r->nnames, r->count);
    else
        return NULL;
    return err;
}

int proto_format_request(const struct request *r, char *buf, size_t len,
                         char *err, size_t errlen)
{
    const char *why = request_error(r, err, errlen);
    size_t used = 0;
    if (why) {
        if (why != err)
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (r->legacy) {
        APPEND(buf, len, used, "%lld\n", r->pid);
    } else {
        APPEND(buf, len, used, "v1 %s", proto_verb_name(r->verb));
        if (r->verb == VERB_PICK)
            APPEND(buf, len, used, " %lld %u", r->pid, r->count);
        for (unsigned i = 0; r->verb == VERB_PICK && i < r->nnames; i++) {
            if (!proto_is_name(r->names[i])) {
                snprintf(err, errlen, "NAME %s is not a name (" PROTO_NAME_RULE
                         ")", QUOTED(r->names[i]));
                return -1;
            }
            APPEND(buf, len, used, " %s", r->names[i]);
        }
        for (unsigned i = 0; r->verb == VERB_PICK && i < r->nprefer; i++) {
            if (!r->prefer[i]) {
                snprintf(err, errlen, "port 0 is not a port");
                return -1;
            }
            APPEND(buf, len, used, "%s%u", i ? "," : " prefer=", (unsigned)r->prefer[i]);
        }
        for (unsigned i = 0; r->verb == VERB_RELEASE && i < r->count; i++) {
            if (!r->ports[i]) {
                snprintf(err, errlen, "port 0 is not a port");
                return -1;
            }
            APPEND(buf, len, used, " %u", (unsigned)r->ports[i]);
        }
        if (used > PROTO_REQUEST_MAX) {
            snprintf(err, errlen, "request of %zu bytes: longer than %zu "
                     "(PROTO_REQUEST_MAX)", used, (size_t)PROTO_REQUEST_MAX);
            return -1;
        }
        APPEND(buf, len, used, "\n");
    }
    if (used >= len) {
        snprintf(err, errlen, "request of %zu bytes: buffer too small", used);
        return -1;
    }
    return (int)used;
}
