/* SPDX-License-Identifier: Apache-2.0 */
/* verbs.c: each request of docs/protocol.md as a function that returns an
 * exit code (RC_OK or why not) and, on failure, one line for the user. The
 * replies are checked strictly: a port is returned only when the server
 * granted exactly what was asked, in the form the protocol says. */
#include "portpicker.h"

#include <stdio.h>
#include <string.h>

/* Exit code and message for a transport failure. */
static int transport_failure(enum ask_result r, const char *what,
                             const char *address, char *err, size_t errlen)
{
    switch (r) {
    case ASK_UNREACHABLE: return RC_UNREACHABLE;
    case ASK_TIMEOUT: return RC_TIMEOUT;
    case ASK_OVERSIZE:
    case ASK_NUL: return RC_BAD_REPLY;
    case ASK_BAD_ADDRESS: return RC_USAGE;
    case ASK_CLOSED:
        snprintf(err, errlen, "the port server at %s does not support %s "
                 "(a legacy server, such as portserver.py, closed without a reply)",
                 address, what);
        return RC_UNSUPPORTED;
    default: return RC_SYSTEM;
    }
}

/* Room for shown's text of at most max bytes. */
#define SHOWN_SIZE(max) (PROTO_ESCAPED_MAX(max) + 3)
/* Bytes of an err text a message shows. Escaped for a terminal (at most 4
 * characters a byte) with "...", the address (a sun_path) and the words
 * around them, the line fits in ASK_ERR_SIZE and in a message's line, with
 * room for pick's "--prefer: ...; it cannot honour ..." around it: so
 * neither snprintf nor msg_line cuts it where shown did not. */
#define SHOWN_ERR_TEXT 160
_Static_assert(4 * SHOWN_ERR_TEXT + 3 + 108 + 200 < ASK_ERR_SIZE &&
               ASK_ERR_SIZE <= MSG_LINE_MAX + 1,
               "an err text shown whole fits the line that says it");

/* The first len bytes of what a server sent (at most max, cut at a whole
 * character, then "..."), made fit for a terminal into buf
 * (SHOWN_SIZE(max) bytes): control characters made visible
 * (proto_escape). */
static const char *shown(char *buf, size_t buflen, const char *text,
                         size_t len, size_t max)
{
    size_t n = proto_escape(buf, buflen - 3, text, proto_utf8_cut(text, len, max),
                            PROTO_ESCAPE_TEXT);
    if (len > max)
        memcpy(buf + n, "...", 4);
    return buf;
}

/* A v1 "err CODE TEXT" reply into an exit code and message; *said is
 * its code when the reply is one the protocol has for this verb, else
 * ERR_UNKNOWN. */
static int v1_error(const char *reply, const char *address, bool release,
                    enum proto_err *said, char *err, size_t errlen)
{
    static const struct {
        int rc;
        const char *said; /* what the server did, for the message */
    } codes[] = {
        [ERR_EXHAUSTED] = {RC_REFUSED, "refused"},
        [ERR_NO_SUCH_PID] = {RC_REFUSED, "refused"},
        [ERR_QUOTA] = {RC_REFUSED, "refused"},
        [ERR_PID_REFUSED] = {RC_REFUSED, "refused"},
        [ERR_NOT_LEASED] = {RC_NOT_HELD, "refused"},
        [ERR_NOT_OWNER] = {RC_NOT_HELD, "refused"},
        [ERR_UNSUPPORTED] = {RC_UNSUPPORTED, "refused"},
        [ERR_BAD_REQUEST] = {RC_BAD_REPLY, "refused"},
        [ERR_SERVER] = {RC_SERVER_FAILED, "failed"},
        [ERR_BUSY] = {RC_REFUSED, "closed this connection"},
    };
    enum proto_err code;
    const char *text;
    size_t len;
    char buf[SHOWN_SIZE(SHOWN_ERR_TEXT)];
    const char *bad = proto_err_line_bad(reply);
    *said = ERR_UNKNOWN;
    if (bad) {
        snprintf(err, errlen, "the port server at %s sent a reply that is not "
                 "in the protocol: '%s' (%s)", address,
                 shown(buf, sizeof(buf), reply, strcspn(reply, "\n"), 80), bad);
        return RC_BAD_REPLY;
    }
    proto_parse_err(reply, &code, &text, &len);
    /* Only a release is answered not-leased or not-owner: to any other
     * verb they are not in the protocol, and exit 10 would say "not yours"
     * of a pick. */
    bool answers = release || (code != ERR_NOT_LEASED && code != ERR_NOT_OWNER);
    *said = answers ? code : ERR_UNKNOWN;
    if (code != ERR_UNKNOWN && answers) {
        /* The text may be empty: then the code alone says it. */
        snprintf(err, errlen, "the port server at %s %s%s%s", address,
                 codes[code].said, len ? ": " : "",
                 shown(buf, sizeof(buf), text, len, SHOWN_ERR_TEXT));
        return codes[code].rc;
    }
    snprintf(err, errlen, "the port server at %s sent an error this client does "
             "not know%s: '%s'", address, code == ERR_UNKNOWN ? "" : " here",
             shown(buf, sizeof(buf), reply, strcspn(reply, "\n"), 80));
    return RC_BAD_REPLY;
}

/* A reply not in the protocol (one_line: as a reply to all but metrics
 * must be) into RC_BAD_REPLY and a message. */
static int bad_reply(const char *reply, bool one_line, const char *address,
                     char *err, size_t errlen)
{
    size_t len = strcspn(reply, "\n"), total = strlen(reply);
    char buf[SHOWN_SIZE(60)];
    /* Its first line is shown; what is wrong may be what follows it. */
    snprintf(err, errlen, "the port server at %s sent a reply that is not in "
             "the protocol: '%s'%s", address, shown(buf, sizeof(buf), reply, len, 60),
             !total || reply[total - 1] != '\n' ? " (no newline at its end)"
             : one_line && reply[len + 1] ? " (more than one line)" : "");
    return RC_BAD_REPLY;
}

/* Format r into request; RC_OK, or RC_USAGE with err naming the limit. */
static int build(const struct request *r, char *request, size_t len, char *err,
                 size_t errlen)
{
    char why[200];
    if (proto_format_request(r, request, len, why, sizeof(why)) >= 0)
        return RC_OK;
    snprintf(err, errlen, "request not sent: %s", why);
    return RC_USAGE;
}

/* A pick's request, then its reply: ask_server sends the one whole before
 * it reads the other into the same buffer. */
#define PICK_BUF 8192
_Static_assert(PICK_BUF >= PROTO_REQUEST_MAX + 2 &&
               PICK_BUF > sizeof("ok \n") + 6 * PROTO_MAX_PORTS,
               "a pick's buffer holds its request and the longest reply");

int ask_pick(const char *address, pid_t pid, unsigned count,
             char *const *names, unsigned nnames, const unsigned *prefer,
             unsigned nprefer, unsigned *ports, double timeout, char *err,
             size_t errlen)
{
    struct request r;
    char buf[PICK_BUF];
    char *const request = buf, *const reply = buf;
    r = (struct request){.verb = VERB_PICK, .pid = pid, .count = count,
                         .nnames = nnames, .nprefer = nprefer,
                         .legacy = count == 1 && !nnames && !nprefer};
    for (unsigned i = 0; i < nnames && i < PROTO_MAX_NAMES; i++)
        r.names[i] = names[i];
    for (unsigned i = 0; i < nprefer && i < PROTO_MAX_PREFER; i++)
        r.prefer[i] = (uint16_t)prefer[i];
    int rc = build(&r, request, sizeof(buf), err, errlen);
    if (rc != RC_OK)
        return rc;
    enum ask_result got = ask_server(address, request, reply, sizeof(buf),
                                     timeout, err, errlen);
    if (got == ASK_CLOSED && r.legacy) {
        snprintf(err, errlen, "the port server at %s refused: no free port in "
                 "its pool, or it cannot see pid %ld", address, (long)pid);
        return RC_REFUSED;
    }
    if (got != ASK_REPLY)
        return transport_failure(got, nprefer ? "preferred ports (prefer=)"
                                 : "picking several ports at once", address,
                                 err, errlen);
    /* A legacy server never says "err"; ours does to a legacy request only
     * when it closes the connection idle (the uid's connection cap). */
    if (!strncmp(reply, "err ", 4)) {
        enum proto_err said;
        rc = v1_error(reply, address, false, &said, err, errlen);
        /* A v1 server older than prefer= reads the word as a NAME and
         * answers err bad-request: the one err after which the protocol
         * lets the client ask again without it. Any other (an unknown
         * code, a release's not-leased) is the answer. */
        return nprefer && said == ERR_BAD_REQUEST ? RC_UNSUPPORTED : rc;
    }
    if (!proto_parse_ports(reply, r.legacy, count, ports))
        return bad_reply(reply, true, address, err, errlen);
    char why[64];
    if (!proto_check_ports(ports, count, why, sizeof(why))) {
        snprintf(err, errlen, "the port server at %s sent a reply that is not "
                 "in the protocol: %s", address, why);
        return RC_BAD_REPLY;
    }
    return RC_OK;
}

int ask_release(const char *address, const unsigned *ports, unsigned n,
                double timeout, char *err, size_t errlen)
{
    struct request r;
    /* The request, then the reply ("ok", or an error line): one buffer. */
    char buf[PROTO_REQUEST_MAX + 2];
    char *const request = buf, *const reply = buf;
    r = (struct request){.verb = VERB_RELEASE, .count = n};
    for (unsigned i = 0; i < n && i < PROTO_MAX_PORTS; i++)
        r.ports[i] = (uint16_t)ports[i];
    int rc = build(&r, request, sizeof(buf), err, errlen);
    if (rc != RC_OK)
        return rc;
    enum ask_result got = ask_server(address, request, reply, sizeof(buf),
                                     timeout, err, errlen);
    if (got != ASK_REPLY)
        return transport_failure(got, "release", address, err, errlen);
    enum proto_err said;
    if (!strncmp(reply, "err ", 4))
        return v1_error(reply, address, true, &said, err, errlen);
    return strcmp(reply, "ok\n") ? bad_reply(reply, true, address, err, errlen)
                                 : RC_OK;
}

int ask_query(const char *address, enum proto_verb verb, char *reply,
              size_t replylen, bool *legacy, double timeout, char *err,
              size_t errlen)
{
    const struct request r = {.verb = verb};
    const char *what = proto_verb_name(verb);
    char request[64];
    int rc = build(&r, request, sizeof(request), err, errlen);
    if (rc != RC_OK)
        return rc;
    *legacy = false;
    enum ask_result got = ask_server(address, request, reply, replylen, timeout,
                                     err, errlen);
    if (got == ASK_CLOSED) {
        *legacy = true;
        transport_failure(got, what, address, err, errlen);
        return RC_OK;
    }
    if (got != ASK_REPLY)
        return transport_failure(got, what, address, err, errlen);
    enum proto_err said;
    if (!strncmp(reply, "err ", 4))
        return v1_error(reply, address, false, &said, err, errlen);
    /* A leases reply may be cut mid-line: proto_check_leases says so. */
    return verb == VERB_LEASES || proto_parse_ok(reply)
           ? RC_OK : bad_reply(reply, verb != VERB_METRICS, address, err, errlen);
}
