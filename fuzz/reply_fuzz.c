/* SPDX-License-Identifier: Apache-2.0 */
/* reply_fuzz.c: libFuzzer target for what clients do with a server's
 * reply: the reply parsers (lib/proto_reply.c), the checks made before
 * anything is printed (lib/proto_check.c) and the escaper every printer
 * goes through (proto_escape, include/portpicker_proto.h).
 *
 * Each input is a reply as a client reads it. Checked, with abort() and a
 * line saying which promise broke:
 *   - proto_escape, both styles, on the whole input and into buffers of
 *     every size: the text form holds no control byte and is valid UTF-8,
 *     and reads back to exactly the input; the JSON form, in quotes, is a
 *     valid RFC 8259 string; a cut output is a prefix of the whole one;
 *   - a pick reply that parses has exactly the ports asked, each in
 *     1-65535, and proto_check_ports refuses it iff one repeats;
 *   - an err reply's text lies inside the reply and holds no newline;
 *   - a leases reply that proto_check_leases takes as whole has at most
 *     COUNT lines in port order, each in range, and each formatted again
 *     by the server's proto_format_lease checks back to the same lease;
 *   - a metrics reply that proto_check_metrics takes is left as it came,
 *     "ok" and lines of printable ASCII ending with "# EOF";
 *   - a status line that proto_check_status takes splits into a name, a
 *     version and distinct keys by the label name rule, each with a value,
 *     all printable ASCII without spaces.
 *
 *   make fuzz                  every target, FUZZ_SECONDS each */
#include "lib/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) ((cond) ? (void)0 : broken(#cond, __LINE__))

static void broken(const char *what, int line)
{
    fprintf(stderr, "reply_fuzz.c:%d: invariant broken: %s\n", line, what);
    abort();
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The text form: valid UTF-8 without control characters, and its escapes
 * (\\ \n \r \t \xHH) read back to in[0..len) exactly. */
static void check_text(const char *out, size_t outlen, const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)out;
    size_t back = 0;
    for (size_t i = 0; i < outlen;) {
        unsigned long cp;
        size_t n = proto_utf8_char(s + i, outlen - i, &cp);
        CHECK(n > 0);
        CHECK(cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0));
        unsigned char want;
        if (cp != '\\') {
            CHECK(back + n <= len && !memcmp(in + back, out + i, n));
            back += n;
            i += n;
            continue;
        }
        CHECK(i + 1 < outlen);
        char e = out[i + 1];
        if (e == 'x') {
            CHECK(i + 3 < outlen && hex_value(out[i + 2]) >= 0 && hex_value(out[i + 3]) >= 0);
            want = (unsigned char)(hex_value(out[i + 2]) << 4 | hex_value(out[i + 3]));
            i += 4;
        } else {
            CHECK(e == '\\' || e == 'n' || e == 'r' || e == 't');
            want = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
            i += 2;
        }
        CHECK(back < len && (unsigned char)in[back] == want);
        back++;
    }
    CHECK(back == len);
}

/* "out" is a JSON string (RFC 8259, section 7) without control bytes. */
static void check_json(const char *out, size_t outlen)
{
    const unsigned char *s = (const unsigned char *)out;
    for (size_t i = 0; i < outlen;) {
        unsigned long cp;
        size_t n = proto_utf8_char(s + i, outlen - i, &cp);
        CHECK(n > 0);
        CHECK(cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0) && cp != '"');
        if (cp != '\\') {
            i += n;
            continue;
        }
        CHECK(i + 1 < outlen);
        if (out[i + 1] == 'u') {
            CHECK(i + 5 < outlen);
            for (size_t k = 2; k < 6; k++)
                CHECK(hex_value(out[i + k]) >= 0);
            i += 6;
        } else {
            CHECK(strchr("\"\\/bfnrt", out[i + 1]) && out[i + 1]);
            i += 2;
        }
    }
}

/* in[0..len) escaped in style: the whole, then into every smaller buffer
 * (malloc'd to size, so ASan sees a write past it). */
static void check_escape(const char *in, size_t len, enum proto_escape_style style)
{
    size_t cap = PROTO_ESCAPED_MAX(len);
    char *whole = malloc(cap);
    CHECK(whole != NULL);
    size_t n = proto_escape(whole, cap, in, len, style);
    CHECK(n < cap && whole[n] == '\0' && strlen(whole) == n);
    if (style == PROTO_ESCAPE_TEXT)
        check_text(whole, n, in, len);
    else
        check_json(whole, n);
    for (size_t size = 1; size <= n && size < 64; size++) {
        char *cut = malloc(size);
        CHECK(cut != NULL);
        size_t m = proto_escape(cut, size, in, len, style);
        CHECK(m < size && !memcmp(cut, whole, m) && cut[m] == '\0');
        free(cut);
    }
    free(whole);
}

static char *copy_of(const uint8_t *data, size_t len)
{
    char *p = malloc(len + 1);
    CHECK(p != NULL);
    memcpy(p, data, len);
    p[len] = '\0';
    return p;
}

static void check_pick_reply(const char *reply)
{
    unsigned ports[PROTO_MAX_PORTS];
    unsigned n = 1;
    for (const char *p = reply; *p; p++)
        n += *p == ' ';
    for (int legacy = 0; legacy < 2; legacy++) {
        if (n > PROTO_MAX_PORTS || !proto_parse_ports(reply, legacy, n, ports))
            continue;
        bool repeated = false;
        for (unsigned i = 0; i < n; i++) {
            CHECK(ports[i] >= 1 && ports[i] <= 65535);
            for (unsigned j = 0; j < i; j++)
                repeated = repeated || ports[i] == ports[j];
        }
        char why[64];
        CHECK(proto_check_ports(ports, n, why, sizeof(why)) == !repeated);
    }
    enum proto_err code;
    const char *text;
    size_t textlen;
    if (proto_parse_err(reply, &code, &text, &textlen)) {
        CHECK(code <= ERR_UNKNOWN && text >= reply && text + textlen <= reply + strlen(reply));
        CHECK(!memchr(text, '\n', textlen));
    }
}

/* A checked lease, formatted again by the server, checks back the same. */
static void check_round_trip(const struct lease_view *v)
{
    char cmd[PROTO_CMD_MAX + 1], line[PROTO_LEASE_LINE_MAX + 1];
    CHECK(v->cmdlen <= PROTO_CMD_MAX);
    /* the server's formatter takes a C string: a NUL ends it */
    size_t cmdlen = strnlen(v->cmd, v->cmdlen);
    memcpy(cmd, v->cmd, cmdlen);
    cmd[cmdlen] = '\0';
    struct lease_line l = {
        .port = v->port, .pid = (int)v->pid, .uid = (unsigned)v->uid,
        .age = (unsigned)v->age, .names = strcmp(v->names, "-") ? v->names : NULL,
        .cmd = cmd,
    };
    char reply[sizeof("ok 1\n") + sizeof(line)];
    int n = proto_format_lease(line, sizeof(line), &l);
    CHECK(n > 0);
    int len = snprintf(reply, sizeof(reply), "ok 1\n%s", line);
    CHECK(len > 0 && (size_t)len < sizeof(reply));
    struct lease_view again;
    size_t got;
    char why[256];
    CHECK(proto_check_leases(reply, (size_t)len, &again, 1, &got, why,
                             sizeof(why)) == LEASES_WHOLE && got == 1);
    CHECK(again.port == v->port && again.pid == v->pid && again.uid == v->uid &&
          again.age == v->age && !strcmp(again.names, v->names) &&
          again.cmdlen == cmdlen && !memcmp(again.cmd, cmd, cmdlen));
}

static void check_leases_reply(const uint8_t *data, size_t len)
{
    char *reply = copy_of(data, len);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    struct lease_view *views = calloc(lines, sizeof(*views));
    CHECK(views != NULL);
    size_t n;
    char why[256];
    enum proto_leases r = proto_check_leases(reply, len, views, lines, &n, why, sizeof(why));
    if (r != LEASES_WHOLE) {
        CHECK(why[0] != '\0' && !strchr(why, '\n'));
    } else {
        for (size_t i = 0; i < n; i++) {
            CHECK(views[i].port >= 1 && views[i].port <= 65535);
            CHECK(i == 0 || views[i].port > views[i - 1].port);
            CHECK(views[i].pid >= 1 && views[i].pid <= PROTO_PID_MAX);
            check_escape(views[i].cmd, views[i].cmdlen, PROTO_ESCAPE_JSON);
            check_escape(views[i].cmd, views[i].cmdlen, PROTO_ESCAPE_TEXT);
            check_round_trip(&views[i]);
        }
    }
    free(views);
    free(reply);
}

static void check_metrics_reply(const uint8_t *data, size_t len)
{
    char *reply = copy_of(data, len);
    const char *text;
    char why[256];
    if (!proto_check_metrics(reply, len, &text, why, sizeof(why))) {
        CHECK(why[0] != '\0' && !strchr(why, '\n'));
    } else {
        CHECK(!memcmp(reply, data, len) && text == reply + 3);
        CHECK(len >= 9 && !strcmp(reply + len - 6, "# EOF\n"));
        for (const char *c = text; *c; c++)
            CHECK(*c == '\n' || (*c >= 0x20 && *c <= 0x7e));
    }
    free(reply);
}

static bool printable_word(const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            return false;
    return true;
}

static void check_status_line(const uint8_t *data, size_t len)
{
    char *line = copy_of(data, len);
    struct status_view v;
    char why[256];
    if (!proto_check_status(line, &v, why, sizeof(why))) {
        CHECK(why[0] != '\0' && !strchr(why, '\n'));
    } else {
        CHECK(*v.server && printable_word(v.server) && !strchr(v.server, '='));
        CHECK(*v.version && printable_word(v.version) && !strchr(v.version, '='));
        CHECK(v.nfields <= PROTO_STATUS_FIELDS_MAX);
        for (size_t i = 0; i < v.nfields; i++) {
            CHECK(proto_is_name(v.field[i].key) || strlen(v.field[i].key) > PROTO_NAME_MAX);
            CHECK(*v.field[i].value && printable_word(v.field[i].value));
            for (size_t j = 0; j < i; j++)
                CHECK(strcmp(v.field[i].key, v.field[j].key));
        }
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    check_escape((const char *)data, len, PROTO_ESCAPE_TEXT);
    check_escape((const char *)data, len, PROTO_ESCAPE_JSON);
    char *reply = copy_of(data, len);
    check_pick_reply(reply);
    free(reply);
    check_leases_reply(data, len);
    check_metrics_reply(data, len);
    check_status_line(data, len);
    return 0;
}
