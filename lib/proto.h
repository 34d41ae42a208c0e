/* SPDX-License-Identifier: Apache-2.0 */
/* proto.h: the port server protocol of docs/protocol.md, in one place.
 *
 * Every limit, the NAME rule, the request grammar and the reply lines live
 * here, and both sides take them from here: the clients (lib/verbs.c,
 * applets/check_server.c) format requests and parse replies with it, the
 * server (serve/client.c, serve/answer.c) frames and parses requests and
 * formats replies with it. Pure: bytes in, structs out; libc only, no I/O.
 * fuzz/proto_fuzz.c checks it in both directions, fuzz/reply_fuzz.c the
 * clients' checks (proto_check.c) and escaper (proto_escape). */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limits and the NAME rule (proto_is_name) live in the installable
 * include/portpicker_proto.h, which the C client shares; docs/protocol.md
 * "Limits" states them (tests/docs.bats compares). */
#include "include/portpicker_proto.h"

/* ---- requests ---- */

enum proto_verb { VERB_PICK, VERB_RELEASE, VERB_STATUS, VERB_LEASES, VERB_METRICS };

/* The verb's word on the wire ("pick", ...). */
const char *proto_verb_name(enum proto_verb verb);

struct request {
    enum proto_verb verb;
    bool legacy;        /* a bare pid: a pick of one port whose reply is the
                         * port alone and whose refusal is a close */
    long long pid;      /* pick; a legacy pid is clamped to
                         * INT32_MIN..INT32_MAX+1, a v1 pid is 1..PROTO_PID_MAX */
    unsigned count;     /* pick: ports asked; release: ports given */
    unsigned nnames;    /* pick: 0, or count */
    unsigned nprefer;   /* pick: ports of its prefer= word, 0 without one */
    uint16_t prefer[PROTO_MAX_PREFER];   /* pick, in the order given */
    const char *names[PROTO_MAX_NAMES];  /* pick; parsing points into the line */
    uint16_t ports[PROTO_MAX_PORTS];     /* release */
};

enum proto_frame { FRAME_MORE, FRAME_LINE, FRAME_BAD };

/* Does what a client sent so far name a protocol version ("v1 ...", or a
 * later "vN" a server refuses as unsupported), rather than a legacy bare
 * pid? */
bool proto_is_versioned(const char *buf, size_t len);

/* Frame the len bytes a client has sent: a request ends at its first
 * newline, or with done (EOF or timeout) at the end. FRAME_LINE: the line
 * is buf[0..*line_len), newline excluded. FRAME_MORE: wait for more.
 * FRAME_BAD: *why says what is wrong (too long, bytes after the newline, a
 * NUL in a v1 line). A buffer of PROTO_REQUEST_MAX + 2 bytes, full, is
 * never FRAME_MORE. */
enum proto_frame proto_frame(const char *buf, size_t len, bool done,
                             size_t *line_len, const char **why);

enum proto_status { PROTO_OK, PROTO_BAD_REQUEST, PROTO_UNSUPPORTED };

/* Parse one request line of len bytes (line[len] must be a NUL; v1 words
 * are split in place). A bare pid is a legacy pick; "vN ..." with N other
 * than 1 is PROTO_UNSUPPORTED. On anything but PROTO_OK, why holds the
 * reason for the refusal. */
enum proto_status proto_parse(char *line, size_t len, struct request *r,
                              char *why, size_t whylen);

/* Write r as a request line, newline included, into buf. Returns its
 * length, or -1 with err naming the rule or limit r breaks (or "buffer too
 * small": PROTO_REQUEST_MAX + 2 always suffices). Nothing past buf[len-1]
 * is written. */
int proto_format_request(const struct request *r, char *buf, size_t len,
                         char *err, size_t errlen);

/* ---- replies ---- */

/* ERR_BAD_REQUEST ... ERR_BUSY, in the order of PROTO_ERRORS
 * (include/portpicker_proto.h), then ERR_UNKNOWN: a code this client does
 * not know. */
#define PROTO_ERR_ENUM(name, word) ERR_##name,
enum proto_err { PROTO_ERRORS(PROTO_ERR_ENUM) ERR_UNKNOWN };
#undef PROTO_ERR_ENUM

/* The code's word on the wire, from PROTO_ERRORS; "unknown" for ERR_UNKNOWN. */
const char *proto_err_name(enum proto_err code);

/* The reply formatters write into buf and return the length written, or
 * -1 when it does not fit (nothing past buf[len-1] is written). */

/* A granted pick: "PORT\n" for a legacy request, else "ok PORT...\n". */
int proto_format_ports(char *buf, size_t len, bool legacy,
                       const unsigned *ports, unsigned n);
/* "ok\n" (release). */
int proto_format_ok(char *buf, size_t len);
/* "err CODE TEXT\n"; text is cut at the first newline. */
int proto_format_err(char *buf, size_t len, enum proto_err code,
                     const char *text);

struct status_line {
    const char *version, *pool;
    size_t managed, free, leased, owners;
};
int proto_format_status(char *buf, size_t len, const struct status_line *st);
/* "ok COUNT\n", the head of a leases reply. */
int proto_format_count(char *buf, size_t len, size_t count);

struct lease_line {
    unsigned port;
    int pid;
    unsigned uid, age;
    const char *names;  /* NAME[,NAME...], or NULL */
    const char *cmd;    /* raw: the formatter escapes it */
};
/* One lease line; cmd cut to PROTO_CMD_MAX bytes, its bytes outside
 * printable ASCII as \xHH and backslashes doubled, so the line stays one
 * line of at most PROTO_LEASE_LINE_MAX bytes. */
int proto_format_lease(char *buf, size_t len, const struct lease_line *l);

/* Reply parsers, for the clients. Each takes the whole reply as read,
 * NUL-terminated. */

/* proto_parse_ports: in include/portpicker_proto.h, the C client's too. */
/* "err CODE TEXT\n": true with *code (ERR_UNKNOWN for a code this client
 * does not know) and the text as text[0..*textlen). */
bool proto_parse_err(const char *reply, enum proto_err *code,
                     const char **text, size_t *textlen);
/* One or more lines, the first "ok" or "ok ...", all ended by newlines. */
bool proto_parse_ok(const char *reply);

/* The fields of one lease line, split in place (NUL-terminated strings,
 * cmd still escaped). */
struct lease_fields {
    const char *port, *pid, *uid, *age, *names, *cmd;
};
/* Split one lease line (no newline) in place; false when it is not one
 * (a field missing, out of order or twice, a number that is not digits, a
 * word before cmd= that is not key=value). A key=value word of a key it
 * does not know, before cmd=, is skipped (docs/protocol.md, "Versioning"). */
bool proto_parse_lease(char *line, struct lease_fields *l);

/* ---- lib/proto_check.c: what a client checks before it trusts a reply
 * (docs/protocol.md, "What clients check") ---- */

/* Are the n ports a pick was granted all different? false with why
 * naming the port given twice. */
bool proto_check_ports(const unsigned *ports, unsigned n, char *why,
                       size_t whylen);

/* One lease line, checked and decoded. */
struct lease_view {
    unsigned port;          /* 1-65535 */
    unsigned long pid, uid, age;
    const char *names;      /* "-", or NAME[,NAME...], each a proto_is_name */
    char *cmd;              /* the command line's bytes, \xHH and \\ decoded */
    size_t cmdlen;          /* (it may hold NULs) */
};

enum proto_leases { LEASES_WHOLE, LEASES_BAD, LEASES_CUT };

/* Check a whole "v1 leases" reply of len bytes (NUL-terminated), in place:
 * the head "ok COUNT", then lease lines in port order, each in range and
 * decoded into views[0..*n) (room for cap: one per newline of reply is
 * enough). COUNT lines, or fewer ended by an empty line (leases that ended
 * while the reply was written), is LEASES_WHOLE. LEASES_CUT: fewer, and no
 * empty line (the server closed mid-listing); LEASES_BAD: anything else.
 * Either way why says what, and how many lines of how many came. */
enum proto_leases proto_check_leases(char *reply, size_t len,
                                     struct lease_view *views, size_t cap,
                                     size_t *n, char *why, size_t whylen);

/* Check a whole "v1 metrics" reply of len bytes (NUL-terminated): "ok",
 * then OpenMetrics lines, each printable ASCII and at most 1024 bytes: #
 * HELP, # TYPE (a known type) or # UNIT of a metric name, or a sample
 * NAME[{LABEL="VALUE",...}] VALUE without a timestamp; "# EOF" last and
 * nothing after it. true with *text the metrics (after "ok\n"); false
 * with why naming the line and what is wrong. The reply is left as it was. */
bool proto_check_metrics(char *reply, size_t len, const char **text,
                         char *why, size_t whylen);

/* A status line, checked and split ("ok NAME VERSION key=value...",
 * newline removed): NAME and VERSION, then each field. */
#define PROTO_STATUS_FIELDS_MAX 32
struct status_view {
    const char *server, *version;
    size_t nfields;
    struct {
        const char *key, *value;
    } field[PROTO_STATUS_FIELDS_MAX];
};
/* Check and split line in place: words of printable ASCII between single
 * spaces; NAME and VERSION without '='; then at most
 * PROTO_STATUS_FIELDS_MAX fields key=value, the key by the label name rule
 * ([A-Za-z_][A-Za-z0-9_]*), the value not empty, no key twice. false with
 * why naming what is wrong. */
bool proto_check_status(char *line, struct status_view *v, char *why,
                        size_t whylen);

#endif
