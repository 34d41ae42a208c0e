/* SPDX-License-Identifier: Apache-2.0 */
/* proto_check.c: what a client checks in a server's reply before it prints
 * or runs anything (docs/protocol.md, "What clients check"). A hostile or
 * broken server gets its reply refused whole, with a reason; it never gets
 * a port printed twice, a line half shown, or its bytes on a terminal. */
#include "lib/proto.h"

#include <stdio.h>
#include <string.h>

bool proto_check_ports(const unsigned *ports, unsigned n, char *why,
                       size_t whylen)
{
    unsigned twice = proto_port_twice(ports, n);
    if (twice)
        snprintf(why, whylen, "port %u granted twice", twice);
    return !twice;
}

/* A decimal number without sign or leading zero, at most max. */
static bool number(const char *s, unsigned long max, unsigned long *v)
{
    size_t len = strspn(s, "0123456789");
    if (!len || s[len] || len > 10 || (len > 1 && s[0] == '0'))
        return false;
    unsigned long long x = 0;
    for (size_t i = 0; i < len; i++)
        x = x * 10 + (unsigned)(s[i] - '0');
    *v = (unsigned long)x;
    return x <= max;
}

/* "-", or NAMEs joined by commas, each by the NAME rule. */
static bool names_ok(const char *names)
{
    if (!strcmp(names, "-"))
        return true;
    unsigned count = 0;
    for (const char *p = names;; p++) {
        char name[PROTO_NAME_MAX + 2];
        size_t len = strcspn(p, ",");
        if (len > PROTO_NAME_MAX || ++count > PROTO_MAX_NAMES)
            return false;
        memcpy(name, p, len);
        name[len] = '\0';
        if (!proto_is_name(name))
            return false;
        p += len;
        if (!*p)
            return true;
    }
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode the command line of a lease line in place: printable ASCII,
 * "\\" and "\xHH" (proto_format_lease's form), at most PROTO_CMD_MAX
 * bytes once decoded. Returns the decoded length, or -1. */
static long decode_cmd(char *cmd)
{
    size_t out = 0;
    for (const char *p = cmd; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c > 0x7e || out == PROTO_CMD_MAX)
            return -1;
        if (c == '\\' && p[1] == '\\') {
            p++;
        } else if (c == '\\') {
            int hi = p[1] == 'x' ? hex_digit(p[2]) : -1;
            int lo = hi < 0 ? -1 : hex_digit(p[3]);
            if (lo < 0)
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            p += 3;
        }
        cmd[out++] = (char)c;
    }
    cmd[out] = '\0';
    return (long)out;
}

/* One lease line (no newline) into v; false with why naming the field. */
static bool check_lease(char *line, struct lease_view *v, char *why,
                        size_t whylen)
{
    struct lease_fields f;
    unsigned long port;
    const char *bad = NULL;
    if (strlen(line) >= PROTO_LEASE_LINE_MAX)
        bad = "longer than the protocol's longest lease line";
    else if (!proto_parse_lease(line, &f))
        bad = "not port=... pid=... uid=... age=... names=... cmd=...";
    else if (!number(f.port, 65535, &port) || port == 0)
        bad = "port not in 1-65535";
    else if (!number(f.pid, PROTO_PID_MAX, &v->pid) || v->pid == 0)
        bad = "pid not in 1-" PROTO_STR(PROTO_PID_MAX);
    else if (!number(f.uid, 4294967295ul, &v->uid))
        bad = "uid not a 32-bit number";
    else if (!number(f.age, 4294967295ul, &v->age))
        bad = "age not a 32-bit number";
    else if (!names_ok(f.names))
        bad = "names= not '-' or NAMEs (" PROTO_NAME_RULE ") joined by commas";
    if (bad) {
        snprintf(why, whylen, "%s", bad);
        return false;
    }
    long cmdlen = decode_cmd((char *)f.cmd);
    if (cmdlen < 0) {
        snprintf(why, whylen, "cmd= has a raw byte, a bad escape (only \\\\ and "
                 "\\xHH) or more than %d bytes", PROTO_CMD_MAX);
        return false;
    }
    v->port = (unsigned)port;
    v->names = f.names;
    v->cmd = (char *)f.cmd;
    v->cmdlen = (size_t)cmdlen;
    return true;
}

enum proto_leases proto_check_leases(char *reply, size_t len,
                                     struct lease_view *views, size_t cap,
                                     size_t *n, char *why, size_t whylen)
{
    char *p = reply, *end = reply + len, *nl = memchr(p, '\n', len);
    unsigned long count;
    *n = 0;
    if (strlen(reply) != len || strncmp(reply, "ok ", 3) || !nl) {
        snprintf(why, whylen, "%s", strlen(reply) != len ? "a NUL byte"
                 : "not 'ok COUNT' and lease lines");
        return LEASES_BAD;
    }
    *nl = '\0';
    if (!number(reply + 3, PROTO_LEASES_MAX, &count)) {
        snprintf(why, whylen, "'ok COUNT' with COUNT not in 0-"
                 PROTO_STR(PROTO_LEASES_MAX));
        return LEASES_BAD;
    }
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;               /* the last line, cut */
        if (nl == p) {
            if (nl + 1 == end)
                return LEASES_WHOLE;   /* some may have ended meanwhile */
            snprintf(why, whylen, "bytes after the empty line that ends the "
                     "listing (after %zu of %lu lease lines)", *n, count);
            return LEASES_BAD;
        }
        *nl = '\0';
        char field[160];
        if (*n == count || *n == cap) {
            snprintf(why, whylen, "more than the %lu lease lines announced", count);
            return LEASES_BAD;
        }
        if (!check_lease(p, &views[*n], field, sizeof(field))) {
            snprintf(why, whylen, "lease line %zu: %s", *n + 1, field);
            return LEASES_BAD;
        }
        if (*n && views[*n].port <= views[*n - 1].port) {
            snprintf(why, whylen, "lease line %zu: port %u after port %u (not in "
                     "port order, or twice)", *n + 1, views[*n].port,
                     views[*n - 1].port);
            return LEASES_BAD;
        }
        (*n)++;
    }
    if (*n == count && p == end)
        return LEASES_WHOLE;
    if (*n == count) {
        snprintf(why, whylen, "more than the %lu lease lines announced", count);
        return LEASES_BAD;
    }
    snprintf(why, whylen, "the listing was cut short: %zu of %lu lease lines "
             "came%s", *n, count, p < end ? " (and part of one more)" : "");
    return LEASES_CUT;
}

/* ---- a metrics reply: "ok", then OpenMetrics text as our server writes
 * it (docs/protocol.md, "v1 metrics") ---- */

/* Longest line of a metrics reply a client takes, newline excluded. */
#define METRICS_LINE_MAX 1024

static bool name_char(char c, bool first, bool colon)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* The length of the name at s (a metric name with colon, else a label
 * name), 0 when there is none. */
static size_t name_len(const char *s, bool colon)
{
    size_t n = 0;
    while (name_char(s[n], n == 0, colon))
        n++;
    return n;
}

/* A sample value: a decimal number (sign, fraction, exponent allowed),
 * +Inf, -Inf or NaN, up to the end of s. */
static bool sample_value(const char *s)
{
    if (!strcmp(s, "+Inf") || !strcmp(s, "-Inf") || !strcmp(s, "NaN"))
        return true;
    s += *s == '-' || *s == '+';
    size_t digits = strspn(s, "0123456789");
    if (!digits)
        return false;
    s += digits;
    if (*s == '.') {
        digits = strspn(++s, "0123456789");
        if (!digits)
            return false;
        s += digits;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        s += *s == '-' || *s == '+';
        digits = strspn(s, "0123456789");
        if (!digits)
            return false;
        s += digits;
    }
    return !*s;
}

/* {name="value",...} at s: returns the length, 0 when it is not one.
 * Values escape only \\, \" and \n. */
static size_t label_set(const char *s)
{
    const char *p = s + 1;
    if (*p == '}')
        return 2;
    for (;;) {
        size_t n = name_len(p, false);
        if (!n || p[n] != '=' || p[n + 1] != '"')
            return 0;
        for (p += n + 2; *p != '"'; p++) {
            if (!*p || (*p == '\\' && p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
                return 0;
            p += *p == '\\';
        }
        p++;
        if (*p == '}')
            return (size_t)(p + 1 - s);
        if (*p++ != ',')
            return 0;
    }
}

/* One line (no newline, printable ASCII): metadata or a sample. NULL, or
 * what is wrong with it. */
static const char *metrics_line(const char *line)
{
    static const char *const types[] = {
        "counter", "gauge", "histogram", "gaugehistogram", "summary", "info",
        "stateset", "unknown", NULL,
    };
    if (line[0] == '#') {
        bool type = !strncmp(line, "# TYPE ", 7);
        if (!type && strncmp(line, "# HELP ", 7) && strncmp(line, "# UNIT ", 7))
            return "a '#' line that is not # HELP, # TYPE, # UNIT or # EOF";
        size_t n = name_len(line + 7, true);
        if (!n || (line[7 + n] != ' ' && line[7 + n] != '\0'))
            return "metadata without a metric name";
        for (int i = 0; type && types[i]; i++)
            if (line[7 + n] && !strcmp(line + 8 + n, types[i]))
                return NULL;
        return type ? "# TYPE of an unknown type" : NULL;
    }
    size_t n = name_len(line, true);
    if (!n)
        return "a sample without a metric name";
    if (line[n] == '{') {
        size_t labels = label_set(line + n);
        if (!labels)
            return "a sample whose labels are not {name=\"value\",...}";
        n += labels;
    }
    if (line[n] != ' ' || !sample_value(line + n + 1))
        return "a sample whose value is not a number";
    return NULL;
}

bool proto_check_metrics(char *reply, size_t len, const char **text,
                         char *why, size_t whylen)
{
    size_t line = 1;    /* of the reply, "ok" being the first */
    const char *bad = NULL;
    if (strlen(reply) != len || strncmp(reply, "ok\n", 3)) {
        snprintf(why, whylen, "%s", strlen(reply) != len ? "a NUL byte"
                 : "not 'ok' and the metrics");
        return false;
    }
    *text = reply + 3;
    for (char *p = reply + 3, *nl; !bad; p = nl + 1) {
        line++;
        nl = memchr(p, '\n', len - (size_t)(p - reply));
        if (!nl) {
            bad = p == reply + len ? "no '# EOF' line at the end" : "a line "
                  "without a newline";
            break;
        }
        /* No control byte, nor any byte outside ASCII: check --metrics
         * prints these lines raw, their own escapes intact. */
        for (const unsigned char *c = (const unsigned char *)p;
             c < (const unsigned char *)nl && !bad; c++)
            if (*c < 0x20 || *c > 0x7e)
                bad = "a byte that is not printable ASCII";
        if (!bad && nl - p > METRICS_LINE_MAX)
            bad = "a line longer than " PROTO_STR(METRICS_LINE_MAX) " bytes";
        if (bad)
            break;
        *nl = '\0';
        bool eof = !strcmp(p, "# EOF");
        *nl = '\n';
        if (eof && nl + 1 != reply + len)
            bad = "bytes after the '# EOF' line";
        if (eof)
            break;
        *nl = '\0';
        bad = metrics_line(p);
        *nl = '\n';
    }
    if (bad)
        snprintf(why, whylen, "line %zu: %s", line, bad);
    return !bad;
}

bool proto_check_status(char *line, struct status_view *v, char *why,
                        size_t whylen)
{
    const char *bad = NULL;
    char *word[2 + PROTO_STATUS_FIELDS_MAX];
    size_t n = 0;
    if (strncmp(line, "ok ", 3)) {
        snprintf(why, whylen, "not 'ok NAME VERSION key=value...'");
        return false;
    }
    for (char *p = line + 3; *p && !bad; n++) {
        if (n == sizeof(word) / sizeof(word[0])) {
            bad = "more than " PROTO_STR(PROTO_STATUS_FIELDS_MAX) " key=value fields";
            break;
        }
        word[n] = p;
        p += strcspn(p, " ");
        if (p == word[n])
            bad = "two spaces in a row, or one at the end";
        if (*p)
            *p++ = '\0';
    }
    v->nfields = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        for (const char *c = word[i]; *c && !bad; c++)
            if (*c < 0x21 || *c > 0x7e)
                bad = "a byte that is not printable ASCII";
        char *eq = strchr(word[i], '=');
        if (i < 2 && eq)
            bad = "no server name and version before the key=value fields";
        if (i < 2 || bad)
            continue;
        if (!eq || eq == word[i] || (size_t)(eq - word[i]) != name_len(word[i], false) ||
            !eq[1]) {
            bad = "a field that is not key=value (key: letters, digits, _)";
            break;
        }
        *eq = '\0';
        for (size_t j = 0; j < v->nfields && !bad; j++)
            if (!strcmp(v->field[j].key, word[i]))
                bad = "a key given twice";
        v->field[v->nfields].key = word[i];
        v->field[v->nfields++].value = eq + 1;
    }
    if (!bad && n < 2)
        bad = "no server name and version";
    if (bad) {
        snprintf(why, whylen, "%s", bad);
        return false;
    }
    v->server = word[0];
    v->version = word[1];
    return true;
}
