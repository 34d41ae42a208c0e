/* SPDX-License-Identifier: Apache-2.0 */
/* client.h: the client side of docs/protocol.md: talking to a port
 * server. */
#ifndef PORTPICKER_CLIENT_H
#define PORTPICKER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "lib/msg.h"
#include "lib/proto.h"

/* ---- lib/ask.c: the client side of docs/protocol.md ---- */

struct sockaddr_un;

/* Fill sun for address: "@name" is a Linux abstract socket (refused where
 * the system has none, lib/os.h), anything else a path. Returns the address
 * length, or 0 with a message in err (empty, longer than sun_path, or an
 * abstract name without abstract sockets). */
socklen_t unix_address(const char *address, struct sockaddr_un *sun, char *err,
                       size_t errlen);

enum ask_result {
    ASK_REPLY,       /* reply holds what the server wrote before closing */
    ASK_CLOSED,      /* the server closed without writing: a refusal */
    ASK_UNREACHABLE, /* nothing listens at the address */
    ASK_TIMEOUT,     /* no full answer within the timeout */
    ASK_OVERSIZE,    /* the reply did not fit: not a reply of the protocol */
    ASK_NUL,         /* the reply held a NUL byte: not a reply of the protocol,
                      * and it would cut the text every later check reads */
    ASK_BAD_ADDRESS, /* no socket (or pipe) can have the address: the
                      * caller's input is wrong, not the system; nothing sent */
    ASK_ERROR,       /* anything else; err says what */
};

/* Send request to the server at address and read its reply until the
 * server closes, all within timeout seconds. reply is NUL-terminated; it
 * may be request's own buffer, since the request is sent whole before the
 * reply is read (one buffer is a page of stack fewer to fault in). On
 * anything but ASK_REPLY and ASK_CLOSED, err holds one line for the user
 * naming the address and what failed. */
enum ask_result ask_server(const char *address, const char *request,
                           char *reply, size_t replylen, double timeout,
                           char *err, size_t errlen);

/* ---- lib/ask_result.c: the one wording of a failed ask ---- */

/* Where an ask stopped, for the line that says so. */
enum ask_stage { ASK_AT_CONNECT, ASK_AT_SEND, ASK_AT_READ };

/* A failed ask, as ask_result_line words it. */
struct ask_failure {
    const char *address;
    enum ask_stage stage;
    const char *detail;  /* the system's word (strerror, "Windows error N");
                          * for ASK_UNREACHABLE, what is missing */
    double timeout;      /* seconds, for ASK_TIMEOUT */
    size_t cap;          /* the longest reply taken, for ASK_OVERSIZE */
};

/* One line into err naming f->address and what r means for the user; for
 * ASK_REPLY and ASK_CLOSED (not failures of the ask) and ASK_BAD_ADDRESS
 * (worded where the address is read) err is left as is.
 * Every ask_server (ask.c, ask_pipe_windows.c) words its results so. */
void ask_result_line(enum ask_result r, const struct ask_failure *f, char *err,
                     size_t errlen);

/* ---- lib/verbs.c: the requests of docs/protocol.md ---- */

/* Room for the line an ask_* leaves in err: a message's whole line
 * (lib/msg.h), so what it says reaches die() uncut. */
#define ASK_ERR_SIZE (MSG_LINE_MAX + 1)

/* Each ask_* returns RC_USAGE, with err naming the limit, for a request
 * that lib/proto.h's limits refuse: nothing is sent then. */

/* Lease count ports for pid, named by names (nnames: 0, or count), the
 * nprefer ports of prefer first where the server can: the legacy request
 * when count is 1 without names or preferences, else "v1 pick". ports
 * receives them. Returns RC_OK, or an RC_* code (USAGE, REFUSED,
 * UNREACHABLE, TIMEOUT, BAD_REPLY, UNSUPPORTED, SYSTEM) with one line in
 * err; RC_UNSUPPORTED with preferences when the server does not know them
 * (it closed without a reply, or answered err bad-request: the two
 * answers after which docs/protocol.md lets a client ask again without). */
int ask_pick(const char *address, pid_t pid, unsigned count,
             char *const *names, unsigned nnames, const unsigned *prefer,
             unsigned nprefer, unsigned *ports, double timeout, char *err,
             size_t errlen);

/* Release ports, all or none. RC_OK, or RC_NOT_HELD and the like. */
int ask_release(const char *address, const unsigned *ports, unsigned n,
                double timeout, char *err, size_t errlen);

/* Ask VERB_STATUS or VERB_LEASES; reply holds the server's "ok ..." lines.
 * A legacy server that closes without a reply gives RC_OK with *legacy set
 * (it is up, but cannot say more). */
int ask_query(const char *address, enum proto_verb verb, char *reply,
              size_t replylen, bool *legacy, double timeout, char *err,
              size_t errlen);

#endif
