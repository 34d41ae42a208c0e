/* SPDX-License-Identifier: Apache-2.0 */
/* proto_fuzz.c: libFuzzer target for the protocol module (lib/proto.h), in
 * both directions.
 *
 * Server side: each input is what a client sent, as serve/client.c sees it:
 * proto_frame (with done false and true, and split into reads), then
 * proto_parse on the line, and on an exact-size copy of any input whatever
 * its length. A parsed request must format back to the same request.
 * Client side: the same bytes build a request as a client could (any verb,
 * counts, names and preferred ports around the limits); one within the limits must format
 * within PROTO_REQUEST_MAX and parse back equal, one beyond must be refused.
 * Replies: each formatter runs on exact-size buffers of every length up to
 * what it needs, and the clients' parsers read back what it wrote. Buffers
 * are malloc'd to their exact size, so ASan sees any write past them. A
 * broken promise abort()s with a line saying which.
 *
 *   make fuzz                  build build/proto_fuzz, run it 60 s
 *   make fuzz FUZZ_SECONDS=600 longer */
#include "lib/proto.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) ((cond) ? (void)0 : broken(#cond, __LINE__))

static void broken(const char *what, int line)
{
    fprintf(stderr, "proto_fuzz.c:%d: invariant broken: %s\n", line, what);
    abort();
}

/* A malloc'd copy of data, NUL-terminated: len + 1 bytes exactly. */
static char *copy_of(const void *data, size_t len)
{
    char *p = malloc(len + 1);
    CHECK(p != NULL);
    memcpy(p, data, len);
    p[len] = '\0';
    return p;
}

static bool same_request(const struct request *a, const struct request *b)
{
    if (a->verb != b->verb || a->legacy != b->legacy)
        return false;
    if (a->verb == VERB_PICK && (a->pid != b->pid || a->count != b->count ||
                                 a->nnames != b->nnames || a->nprefer != b->nprefer ||
                                 memcmp(a->prefer, b->prefer, a->nprefer * sizeof(a->prefer[0]))))
        return false;
    for (unsigned i = 0; a->verb == VERB_PICK && i < a->nnames; i++)
        if (strcmp(a->names[i], b->names[i]))
            return false;
    return a->verb != VERB_RELEASE ||
           (a->count == b->count &&
            !memcmp(a->ports, b->ports, a->count * sizeof(a->ports[0])));
}

/* r formats, within the limit, to a line that parses back to r. */
static void check_round_trip(const struct request *r)
{
    static struct request again;
    char err[200], why[200];
    char *text = malloc(PROTO_REQUEST_MAX + 2);
    CHECK(text != NULL);
    int n = proto_format_request(r, text, PROTO_REQUEST_MAX + 2, err, sizeof(err));
    CHECK(n > 0 && (size_t)n <= PROTO_REQUEST_MAX + 1 && text[n - 1] == '\n');
    size_t line_len;
    const char *bad;
    CHECK(proto_frame(text, (size_t)n, false, &line_len, &bad) == FRAME_LINE);
    CHECK(line_len == (size_t)n - 1);
    text[line_len] = '\0';
    CHECK(proto_parse(text, line_len, &again, why, sizeof(why)) == PROTO_OK);
    CHECK(same_request(r, &again));
    free(text);
}

static void check_parsed(const struct request *r, const char *line, size_t len)
{
    CHECK(r->verb <= VERB_METRICS);
    if (r->legacy) {
        CHECK(r->verb == VERB_PICK && r->count == 1 && r->nnames == 0 &&
              r->nprefer == 0);
        CHECK(r->pid >= INT32_MIN && r->pid <= (long long)INT32_MAX + 1);
        /* The reference: strtoll, which saturates as the clamp does. */
        long long v = strtoll(line, NULL, 10);
        CHECK(r->pid == (v < INT32_MIN ? INT32_MIN
                         : v > (long long)INT32_MAX + 1 ? (long long)INT32_MAX + 1 : v));
        return;
    }
    if (r->verb == VERB_PICK) {
        CHECK(r->pid >= 1 && r->pid <= PROTO_PID_MAX);
        CHECK(r->count >= 1 && r->count <= PROTO_MAX_PORTS);
        CHECK(r->nnames == 0 || r->nnames == r->count);
        CHECK(r->nnames <= PROTO_MAX_NAMES);
        CHECK(r->nprefer <= PROTO_MAX_PREFER);
        for (unsigned i = 0; i < r->nprefer; i++)
            CHECK(r->prefer[i] >= 1);
        for (unsigned i = 0; i < r->nnames; i++)
            CHECK(r->names[i] >= line && r->names[i] < line + len &&
                  proto_is_name(r->names[i]));
    }
    if (r->verb == VERB_RELEASE) {
        CHECK(r->count >= 1 && r->count <= PROTO_MAX_PORTS);
        for (unsigned i = 0; i < r->count; i++)
            CHECK(r->ports[i] >= 1);
    }
}

/* Parse line (an exact-size copy); a request that parses keeps the
 * promises of lib/proto.h and formats back to itself. */
static void parse_line(const char *data, size_t len)
{
    static struct request r;
    char why[128];
    char *line = copy_of(data, len);
    memset(why, 'X', sizeof(why));
    enum proto_status st = proto_parse(line, len, &r, why, sizeof(why));
    CHECK(st == PROTO_OK || st == PROTO_BAD_REQUEST || st == PROTO_UNSUPPORTED);
    if (st != PROTO_OK) {
        CHECK(memchr(why, '\0', sizeof(why)) && why[0] && why[0] != 'X');
    } else {
        char *pristine = copy_of(data, len);
        CHECK(proto_is_versioned(data, len) || len <= PROTO_LEGACY_MAX);
        CHECK(!proto_is_versioned(data, len) || len <= PROTO_REQUEST_MAX);
        check_parsed(&r, r.legacy ? pristine : line, len);
        check_round_trip(&r);
        free(pristine);
    }
    free(line);
}

static void fuzz_server(const uint8_t *data, size_t len)
{
    const char *buf = (const char *)data;
    size_t more_len = 0, line_len = 0;
    const char *why = NULL;
    enum proto_frame more = proto_frame(buf, len, false, &more_len, &why);
    CHECK(more != FRAME_BAD || (why && *why));
    why = NULL;
    enum proto_frame done = proto_frame(buf, len, true, &line_len, &why);
    CHECK(done == FRAME_LINE || done == FRAME_BAD);
    CHECK(done != FRAME_BAD || (why && *why));
    /* EOF never changes a decision already made. */
    CHECK(more == FRAME_MORE || more == done);
    CHECK(more != FRAME_LINE || more_len == line_len);
    CHECK(len < PROTO_REQUEST_MAX + 2 || more != FRAME_MORE);
    parse_line(buf, len);       /* whatever framing said, and any length */
    if (done != FRAME_LINE)
        return;
    CHECK(line_len <= len && !memchr(buf, '\n', line_len));
    /* However it is split into reads, no part of it decides otherwise. */
    for (size_t k = 0; k < len; k += 1 + k / 8) {
        size_t part = 0;
        enum proto_frame st = proto_frame(buf, k, false, &part, &why);
        CHECK(st == FRAME_MORE || (st == FRAME_LINE && part == line_len));
    }
    parse_line(buf, line_len);
}

/* Bytes into a request as a client could build one, near the limits. */
static void fuzz_client(const uint8_t *data, size_t len)
{
    static struct request r;
    static char names[PROTO_MAX_NAMES + 2][PROTO_NAME_MAX + 2];
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789";
    char err[200];
    if (len < 4)
        return;
    memset(&r, 0, sizeof(r));
    r.verb = (enum proto_verb)(data[0] % 4);
    r.legacy = r.verb == VERB_PICK && data[0] % 16 == 0;
    unsigned wide = (unsigned)data[1] << 8 | data[2];
    /* Mostly counts around PROTO_MAX_NAMES, now and then any up to
     * PROTO_MAX_PORTS + 2. */
    r.count = r.legacy ? 1 : data[1] & 0x80 ? wide % (PROTO_MAX_PORTS + 3)
                                            : data[2] % (PROTO_MAX_NAMES + 12);
    r.pid = r.legacy ? (long long)(wide + 1) : (long long)data[3] * 8421505 + 1;
    bool named = r.verb == VERB_PICK && !r.legacy && data[1] & 1;
    r.nnames = named ? (r.count <= PROTO_MAX_NAMES + 1 ? r.count : PROTO_MAX_NAMES + 1) : 0;
    for (unsigned i = 0; i < r.nnames && i < PROTO_MAX_NAMES; i++) {
        size_t n = 1 + (data[(4 + i) % len] % (PROTO_NAME_MAX + 1));
        for (size_t j = 0; j < n; j++)
            names[i][j] = alphabet[data[(4 + i + j) % len] % (sizeof(alphabet) - 1)];
        names[i][n] = '\0';
        if (names[i][0] >= '0' && names[i][0] <= '9')
            names[i][0] = '_';
        r.names[i] = names[i];
    }
    /* Now and then preferred ports, up to one past PROTO_MAX_PREFER. */
    if (r.verb == VERB_PICK && !r.legacy && data[1] & 2)
        r.nprefer = data[3] % (PROTO_MAX_PREFER + 2);
    for (unsigned i = 0; i < r.nprefer && i < PROTO_MAX_PREFER; i++)
        r.prefer[i] = (uint16_t)(1 + (data[(5 + i) % len] * 263u + i) % 65535);
    for (unsigned i = 0; r.verb == VERB_RELEASE && i < r.count && i < PROTO_MAX_PORTS; i++)
        r.ports[i] = (uint16_t)(1 + (data[(4 + i) % len] * 257u + i) % 65535);
    bool within = (r.verb != VERB_PICK && r.verb != VERB_RELEASE) ||
                  (r.count >= 1 && r.count <= PROTO_MAX_PORTS &&
                   r.nnames <= PROTO_MAX_NAMES && r.nprefer <= PROTO_MAX_PREFER &&
                   (r.legacy || r.verb != VERB_PICK || r.pid <= PROTO_PID_MAX));
    bool fits_names = true;
    for (unsigned i = 0; i < r.nnames && i < PROTO_MAX_NAMES; i++)
        fits_names = fits_names && proto_is_name(r.names[i]);
    if (within && fits_names) {
        check_round_trip(&r);
    } else {
        char *text = malloc(PROTO_REQUEST_MAX + 2);
        CHECK(text != NULL);
        err[0] = '\0';
        CHECK(proto_format_request(&r, text, PROTO_REQUEST_MAX + 2, err, sizeof(err)) == -1);
        CHECK(err[0] != '\0');
        free(text);
    }
    /* Too small a buffer is refused, never overrun. */
    size_t k = data[3] % 64;
    char *small = malloc(k ? k : 1);
    CHECK(small != NULL);
    int n = proto_format_request(&r, small, k, err, sizeof(err));
    CHECK(n < (int)k);
    free(small);
}

/* A formatter's output of need bytes: into exact buffers of the sizes
 * around need (every size when short) it writes need bytes or says -1. */
#define SIZES(need, call_k)                                                   \
    for (size_t k = 0; k <= (size_t)(need) + 1;                               \
         k = (need) < 64 || k + 2 >= (size_t)(need) ? k + 1                  \
             : k < (size_t)(need) / 2 ? (size_t)(need) / 2 : (size_t)(need) - 1) { \
        char *buf_k = malloc(k ? k : 1);                                      \
        CHECK(buf_k != NULL);                                                 \
        int got_k = call_k;                                                   \
        CHECK(k > (size_t)(need) ? got_k == (int)(need) : got_k == -1);       \
        free(buf_k);                                                          \
    }

static void fuzz_replies(const uint8_t *data, size_t len)
{
    static unsigned ports[PROTO_MAX_PORTS], back[PROTO_MAX_PORTS];
    static char big[PROTO_REQUEST_MAX + 8192];
    enum proto_err code;
    const char *text;
    size_t textlen;
    struct lease_fields f;

    /* The clients' parsers on anything a server might send. */
    char *reply = copy_of(data, len);
    unsigned want = len ? 1 + data[0] % 8 : 1;
    (void)proto_parse_ports(reply, false, want, back);
    (void)proto_parse_ports(reply, true, 1, back);
    (void)proto_parse_ok(reply);
    if (proto_parse_err(reply, &code, &text, &textlen))
        CHECK(code <= ERR_UNKNOWN && text >= reply && text + textlen <= reply + len);
    (void)proto_parse_lease(reply, &f);
    free(reply);

    /* Ports: formatted, then read back by the client's parser. */
    /* Mostly a few ports, now and then up to the limit. */
    unsigned n = len < 2 ? 1 : data[1] == 0xff ? 1 + (data[0] * 131u) % PROTO_MAX_PORTS
                                               : 1 + data[0] % 16;
    for (unsigned i = 0; i < n; i++)
        ports[i] = 1 + (i * 7919u + (len ? data[i % len] : 0)) % 65535;
    bool legacy = len && data[0] % 3 == 0;
    unsigned np = legacy ? 1 : n;
    int need = proto_format_ports(big, sizeof(big), legacy, ports, np);
    CHECK(need > 0);
    SIZES(need, proto_format_ports(buf_k, k, legacy, ports, np));
    CHECK(proto_parse_ports(big, legacy, np, back));
    CHECK(!memcmp(back, ports, np * sizeof(ports[0])));

    /* An err line with text from the input, cut at its newline. */
    char *why = copy_of(data, len);
    enum proto_err sent = (enum proto_err)(len ? data[0] % ERR_UNKNOWN : 0);
    need = proto_format_err(big, sizeof(big), sent, why);
    SIZES(need, proto_format_err(buf_k, k, sent, why));
    CHECK(proto_parse_err(big, &code, &text, &textlen) && code == sent);
    CHECK(textlen == strcspn(why, "\n") && !memcmp(text, why, textlen));

    /* A lease line whose command is the input: one line, read back. */
    struct lease_line l = {.port = ports[0], .pid = (int)n, .uid = want,
                           .age = (unsigned)len, .names = legacy ? NULL : "WEB",
                           .cmd = why};
    need = proto_format_lease(big, sizeof(big), &l);
    CHECK(need > 0 && big[need - 1] == '\n' && !memchr(big, '\n', (size_t)need - 1));
    SIZES(need, proto_format_lease(buf_k, k, &l));
    big[need - 1] = '\0';
    CHECK(proto_parse_lease(big, &f) && (unsigned)atoi(f.port) == ports[0]);
    free(why);

    struct status_line st = {"0.1.0", "15000-24999", n, np, want, len};
    need = proto_format_status(big, sizeof(big), &st);
    SIZES(need, proto_format_status(buf_k, k, &st));
    CHECK(proto_parse_ok(big));
    need = proto_format_count(big, sizeof(big), len);
    SIZES(need, proto_format_count(buf_k, k, len));
    SIZES(3, proto_format_ok(buf_k, k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    fuzz_server(data, len);
    fuzz_client(data, len);
    fuzz_replies(data, len);
    return 0;
}
