/* SPDX-License-Identifier: Apache-2.0 */
/* answer.h: a request's reply (serve/answer.c): one dispatch from a parsed
 * request to its reply text, for legacy and v1 requests alike. */
#ifndef SERVE_ANSWER_H
#define SERVE_ANSWER_H

#include "lib/proto.h"
#include "serve/caller.h"

#include <stdbool.h>
#include <stddef.h>

struct server;

/* Room for any reply a formatter writes: a pick of PROTO_MAX_PORTS ports
 * (~6 KB) is the longest. */
#define REPLY_ROOM 8192

/* A reply: text[0..len), and the ports a pick granted, to undo if the
 * reply cannot be sent; or a refusal. */
struct reply {
    struct refusal refusal;
    bool mute;          /* a refusal is a close without a word: a legacy
                         * request (portserver.py), or one never whole */
    bool wait;          /* no reply yet: the pick waits for the pid map */
    bool leases;        /* text is the head of a leases reply of count
                         * lines, which follow (serve/listing.h) */
    bool failed;        /* a formatter found no room: not sent */
    size_t count;
    unsigned nports;
    unsigned ports[PROTO_MAX_PORTS];
    size_t len;
    char text[REPLY_ROOM];
};

/* Answer request r of c into out; r is not read when out is refused
 * already (framing or parsing failed). Refusals are counted and logged
 * here, once. */
void answer(struct server *s, const struct caller *c, const struct request *r,
            struct reply *out);
/* A reply sent whole: a pick's grant is counted (grants, ports granted)
 * here, once the client has its ports, so one undone is never counted. */
void answer_sent(struct server *s, const struct reply *out);
/* Undo the grants of a reply that could not be sent. */
void answer_undo(struct server *s, const struct reply *out);

#endif
