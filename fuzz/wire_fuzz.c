/* wire_fuzz.c: libFuzzer target for the request parsers of serve/wire.c.
 *
 * Each input is one request as serve/client.c's decide() sees it: a 'v'
 * first means v1 (wire_frame_v1, then wire_parse_v1 on a NUL-terminated
 * copy of the line in a buffer as big as a client's), anything else is
 * legacy (wire_parse, with done false and true). Every promise of serve/wire.h
 * and docs/protocol.md we can check from outside is checked; a broken one
 * abort()s with a line saying which, so libFuzzer keeps the input.
 *
 *   make fuzz                  build build/wire_fuzz, run it 60 s
 *   make fuzz FUZZ_SECONDS=600 longer */
#include "serve/wire.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) ((cond) ? (void)0 : broken(#cond, __LINE__))

static void broken(const char *what, int line)
{
    fprintf(stderr, "wire_fuzz.c:%d: invariant broken: %s\n", line, what);
    abort();
}

static bool why_ok(const char *why)
{
    return why && *why;
}

/* The pid a legacy request names, by strtoll: the reference for wire_parse
 * (clamped as serve/wire.h says; strtoll saturates, which clamps the same). */
static long long legacy_reference(const uint8_t *data, size_t len)
{
    char copy[WIRE_MAX + 1];
    memcpy(copy, data, len);
    copy[len] = '\0';
    long long v = strtoll(copy, NULL, 10);
    if (v < INT32_MIN)
        return INT32_MIN;
    return v > (long long)INT32_MAX + 1 ? (long long)INT32_MAX + 1 : v;
}

static void fuzz_legacy(const uint8_t *data, size_t len)
{
    const char *buf = (const char *)data;
    long long pid = 0, pid_done = 0;
    const char *why = NULL;
    enum wire_status more = wire_parse(buf, len, false, &pid, &why);
    CHECK(more != WIRE_V1);
    CHECK(more != WIRE_BAD || why_ok(why));
    why = NULL;
    enum wire_status done = wire_parse(buf, len, true, &pid_done, &why);
    CHECK(done == WIRE_PID || done == WIRE_BAD);
    CHECK(done != WIRE_BAD || why_ok(why));
    /* EOF never changes a decision already made. */
    CHECK(more == WIRE_MORE || more == done);
    CHECK(more != WIRE_PID || pid == pid_done);
    if (done != WIRE_PID)
        return;
    CHECK(len <= WIRE_MAX);
    CHECK(pid_done >= INT32_MIN && pid_done <= (long long)INT32_MAX + 1);
    CHECK(pid_done == legacy_reference(data, len));
    /* However the request is split into reads, no part of it is refused
     * or read as another pid. */
    for (size_t k = 0; k < len; k++) {
        long long part = 0;
        enum wire_status st = wire_parse(buf, k, false, &part, &why);
        CHECK(st == WIRE_MORE || (st == WIRE_PID && part == pid_done));
    }
}

static bool name_ok(const char *name)
{
    size_t i = 0;
    for (; name[i]; i++) {
        char c = name[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return i >= 1 && i <= 31;
}

static void check_request(const struct v1_request *r, const char *line,
                          size_t line_len)
{
    switch (r->verb) {
    case V1_PICK:
        CHECK(r->pid >= 1 && r->pid <= INT_MAX);
        CHECK(r->count >= 1 && r->count <= V1_MAX_PORTS);
        CHECK(r->nnames == 0 || r->nnames == r->count);
        for (unsigned i = 0; i < r->nnames; i++) {
            CHECK(r->names[i] >= line && r->names[i] < line + line_len);
            CHECK(name_ok(r->names[i]));
        }
        break;
    case V1_RELEASE:
        CHECK(r->count >= 1 && r->count <= V1_MAX_PORTS);
        for (unsigned i = 0; i < r->count; i++)
            CHECK(r->ports[i] >= 1);    /* <= 65535: it is a uint16_t */
        break;
    case V1_STATUS:
    case V1_LEASES:
        break;
    default:
        broken("verb out of range", __LINE__);
    }
}

/* Write r back as a request and parse that: the same request must come
 * out. Catches a parser that accepts more (or other) than it stores. */
static void check_round_trip(const struct v1_request *r)
{
    static const char *verbs[] = {"pick", "release", "status", "leases"};
    static char text[16 * V1_MAX];
    static struct v1_request again;
    char why[128];
    size_t n = (size_t)snprintf(text, sizeof(text), "v1 %s", verbs[r->verb]);
    if (r->verb == V1_PICK)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " %lld %u", r->pid,
                              r->count);
    for (unsigned i = 0; r->verb == V1_PICK && i < r->nnames; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " %s", r->names[i]);
    for (unsigned i = 0; r->verb == V1_RELEASE && i < r->count; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " %u",
                              (unsigned)r->ports[i]);
    CHECK(n < sizeof(text));
    CHECK(wire_parse_v1(text, &again, why, sizeof(why)) == V1_OK);
    CHECK(again.verb == r->verb);
    if (r->verb == V1_PICK)
        CHECK(again.pid == r->pid && again.count == r->count &&
              again.nnames == r->nnames);
    for (unsigned i = 0; r->verb == V1_PICK && i < r->nnames; i++)
        CHECK(!strcmp(again.names[i], r->names[i]));
    if (r->verb == V1_RELEASE)
        CHECK(again.count == r->count &&
              !memcmp(again.ports, r->ports, r->count * sizeof(r->ports[0])));
}

/* wire_parse_v1 promises nothing about length: framing keeps lines to
 * V1_MAX bytes, but the parser must not rely on it. So a line the framing
 * refused as too long is parsed too, from a copy of its exact size. */
static void parse_overlong(const uint8_t *data, size_t len)
{
    static struct v1_request r;
    char why[128];
    const uint8_t *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) : len;
    if (n <= V1_MAX)
        return;
    char *line = malloc(n + 1);
    CHECK(line != NULL);
    memcpy(line, data, n);
    line[n] = '\0';
    if (wire_parse_v1(line, &r, why, sizeof(why)) == V1_OK)
        check_request(&r, line, n);
    free(line);
}

static void fuzz_v1(const uint8_t *data, size_t len)
{
    const char *buf = (const char *)data;
    static char line[V1_MAX + 2];
    static struct v1_request r;
    char why[128];
    size_t line_len = 0, line_len_done = 0;
    const char *bad = NULL;
    enum wire_status more = wire_frame_v1(buf, len, false, &line_len, &bad);
    CHECK(more == WIRE_MORE || more == WIRE_V1 || more == WIRE_BAD);
    CHECK(more != WIRE_BAD || why_ok(bad));
    bad = NULL;
    enum wire_status done = wire_frame_v1(buf, len, true, &line_len_done, &bad);
    CHECK(done == WIRE_V1 || done == WIRE_BAD);
    CHECK(done != WIRE_BAD || why_ok(bad));
    CHECK(more == WIRE_MORE || more == done);
    CHECK(more != WIRE_V1 || line_len == line_len_done);
    if (done != WIRE_V1) {
        parse_overlong(data, len);
        return;
    }
    /* A few ways of splitting it into reads: none decides early. */
    size_t splits[] = {1, len / 2, len - 1};
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        size_t part = 0;
        enum wire_status st = wire_frame_v1(buf, splits[i], false, &part, &bad);
        CHECK(st == WIRE_MORE || (st == WIRE_V1 && part == line_len_done));
    }
    CHECK(line_len_done <= V1_MAX && line_len_done <= len);
    CHECK(!memchr(buf, '\n', line_len_done));
    CHECK(line_len_done == len || (buf[line_len_done] == '\n' &&
                                   line_len_done + 1 == len));

    memcpy(line, buf, line_len_done);
    line[line_len_done] = '\0';
    memset(&r, 0xa5, sizeof(r));
    memset(why, 'X', sizeof(why));
    enum v1_parse parsed = wire_parse_v1(line, &r, why, sizeof(why));
    CHECK(parsed == V1_OK || parsed == V1_BAD_REQUEST ||
          parsed == V1_UNSUPPORTED);
    if (parsed != V1_OK) {
        CHECK(memchr(why, '\0', sizeof(why)) && why[0] && why[0] != 'X');
        return;
    }
    /* The grammar has no NUL: a request that parses is the whole line. */
    CHECK(!memchr(buf, '\0', line_len_done));
    check_request(&r, line, line_len_done);
    check_round_trip(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len && data[0] == 'v')
        fuzz_v1(data, len);
    else
        fuzz_legacy(data, len);
    return 0;
}
