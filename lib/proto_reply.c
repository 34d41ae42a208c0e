/* SPDX-License-Identifier: Apache-2.0 */
/* proto_reply.c: replies of the port server protocol (lib/proto.h): the
 * server formats them here, the clients parse them here, so both read the
 * same grammar. */
#include "lib/proto.h"
#include "lib/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const err_names[] = {PROTO_ERRORS(PROTO_ERR_WORD) "unknown"};

const char *proto_err_name(enum proto_err code)
{
    return code <= ERR_UNKNOWN ? err_names[code] : "unknown";
}

/* snprintf that reports overflow as -1. */
static int fit(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(PRINTF_FORMAT, 3, 4)));

static int fit(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len ? n : -1;
}

int proto_format_ports(char *buf, size_t len, bool legacy,
                       const unsigned *ports, unsigned n)
{
    if (legacy)
        return n == 1 ? fit(buf, len, "%u\n", ports[0]) : -1;
    int used = fit(buf, len, "ok");
    for (unsigned i = 0; i < n && used >= 0; i++) {
        int more = fit(buf + used, len - (size_t)used, " %u", ports[i]);
        used = more < 0 ? -1 : used + more;
    }
    int end = used < 0 ? -1 : fit(buf + used, len - (size_t)used, "\n");
    return end < 0 ? -1 : used + end;
}

int proto_format_ok(char *buf, size_t len)
{
    return fit(buf, len, "ok\n");
}

int proto_format_err(char *buf, size_t len, enum proto_err code,
                     const char *text)
{
    return fit(buf, len, "err %s %.*s\n", proto_err_name(code),
               (int)strcspn(text, "\n"), text);
}

int proto_format_status(char *buf, size_t len, const struct status_line *st)
{
    return fit(buf, len, "ok portpicker %s pool=%s managed=%zu free=%zu "
               "leased=%zu owners=%zu\n", st->version, st->pool, st->managed,
               st->free, st->leased, st->owners);
}

int proto_format_count(char *buf, size_t len, size_t count)
{
    return fit(buf, len, "ok %zu\n", count);
}

int proto_format_lease(char *buf, size_t len, const struct lease_line *l)
{
    int used = fit(buf, len, "port=%u pid=%d uid=%u age=%u names=%s cmd=",
                   l->port, l->pid, l->uid, l->age, l->names ? l->names : "-");
    if (used < 0)
        return -1;
    size_t n = (size_t)used;
    /* Escaped a byte at a time by hand: a listing escapes every lease's
     * command line, and a vsnprintf a byte made it most of the server's
     * CPU for a listing. */
    static const char hex[] = "0123456789abcdef";
    const unsigned char *cmd = (const unsigned char *)l->cmd;
    for (const unsigned char *p = cmd; *p && p - cmd < PROTO_CMD_MAX; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';
        size_t need = plain ? 1 : *p == '\\' ? 2 : 4;
        if (len - n <= need)
            return -1;
        if (plain) {
            buf[n++] = (char)*p;
        } else if (*p == '\\') {
            buf[n++] = '\\';
            buf[n++] = '\\';
        } else {
            buf[n++] = '\\';
            buf[n++] = 'x';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        }
    }
    if (len - n < 2)
        return -1;
    buf[n++] = '\n';
    buf[n] = '\0';
    return (int)n;
}

bool proto_parse_err(const char *reply, enum proto_err *code,
                     const char **text, size_t *textlen)
{
    if (strncmp(reply, "err ", 4))
        return false;
    const char *word = reply + 4;
    size_t wlen = strcspn(word, " \n");
    int i = proto_err_index(word);
    *code = i < 0 ? ERR_UNKNOWN : (enum proto_err)i;
    *text = word[wlen] == ' ' ? word + wlen + 1 : word + wlen;
    *textlen = strcspn(*text, "\n");
    return true;
}

bool proto_parse_ok(const char *reply)
{
    size_t len = strlen(reply);
    return (!strncmp(reply, "ok\n", 3) || !strncmp(reply, "ok ", 3)) &&
           reply[len - 1] == '\n';
}

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

bool proto_parse_lease(char *line, struct lease_fields *l)
{
    static const char *const keys[] = {"port", "pid", "uid", "age", "names"};
    const char **fields[] = {&l->port, &l->pid, &l->uid, &l->age, &l->names};
    size_t known = 0;   /* of keys, found so far, in their order */
    char *p = line;
    /* docs/protocol.md, "Versioning": a later server may add key=value
     * words anywhere before cmd=, which takes the rest of the line; a
     * client skips the keys it does not know. Those it knows come once,
     * in their order. */
    while (strncmp(p, "cmd=", 4)) {
        char *space = strchr(p, ' ');
        char *eq = strchr(p, '=');
        if (!space || !eq || eq > space)
            return false;
        *space = *eq = '\0';
        bool named = proto_is_name(p);
        size_t k = 0;
        while (k < 5 && strcmp(p, keys[k]))
            k++;
        if (!named || (k < 5 && k != known))
            return false;
        if (k < 5)
            *fields[known++] = eq + 1;
        p = space + 1;
    }
    l->cmd = p + 4;
    return known == 5 && all_digits(l->port) && all_digits(l->pid) &&
           all_digits(l->uid) && all_digits(l->age);
}
