/* SPDX-License-Identifier: Apache-2.0 */
/* answer.c: one dispatch from a parsed request to its reply, for legacy
 * and v1 requests alike (docs/protocol.md). The reply text is written by
 * lib/proto.h's formatters; client.c frames, parses, sends and closes.
 * Every refusal, whatever found it, is counted and logged here, in
 * refuse(), and nowhere else. */
#include "serve/answer.h"
#include "serve/grant.h"
#include "serve/log.h"
#include "serve/server.h"
#include "serve/server_metrics.h"

#include "portpicker.h"

/* Account for a formatter's result (-1: it did not fit, which REPLY_ROOM
 * rules out; taken as a failed reply rather than trusted). */
static void wrote(struct reply *out, int n)
{
    if (n < 0)
        out->failed = true;
    else
        out->len += (size_t)n;
}

#define ROOM(out) ((out)->text + (out)->len), (sizeof((out)->text) - (out)->len)

/* The one place a refusal is counted and logged; a v1 refusal says why in
 * an err line, a legacy one is a close without a word (portserver.py). */
static void refuse(struct server *s, const struct caller *c, struct reply *out)
{
    const struct refusal *r = &out->refusal;
    bool bad = refusal_is_bad_request(r->code);
    s->stats.refused[out->mute ? DIALECT_LEGACY : DIALECT_V1][r->code]++;
    slog(LOG_INFO, "%s from pid %d (uid %u): %s", bad ? "bad request" : "denied",
         (int)c->pid, (unsigned)c->uid, r->why);
    out->len = 0;
    if (!out->mute)
        wrote(out, proto_format_err(ROOM(out), r->code, r->why));
}

static void pick(struct server *s, const struct caller *c,
                 const struct request *r, struct reply *out)
{
    switch (grant(s, c, r, out->ports, &out->refusal)) {
    case WAIT:
        out->wait = true;
        return;
    case REFUSED:
        return;
    case GRANTED:
        out->nports = r->count; /* counted once sent: answer_sent */
        wrote(out, proto_format_ports(ROOM(out), r->legacy, out->ports, r->count));
        return;
    }
}

/* Every port must be leased, to c's uid unless c is root: else nothing. */
static void release(struct server *s, const struct caller *c,
                    const struct request *r, struct reply *out)
{
    const struct leases *ls = &s->leases;
    for (unsigned i = 0; i < r->count; i++) {
        unsigned port = r->ports[i];
        const struct lease *l = leases_lease(ls, port);
        if (!l) {
            deny(&out->refusal, ERR_NOT_LEASED, "port %u is not leased", port);
            return;
        }
        if (c->uid != 0 && l->uid != c->uid) {
            deny(&out->refusal, ERR_NOT_OWNER, "port %u is leased by another "
                 "user (uid %u)", port, (unsigned)l->uid);
            return;
        }
    }
    for (unsigned i = 0; i < r->count; i++) {
        /* A port named twice in one request is released once. */
        if (leases_lease(ls, r->ports[i]))
            grant_release(s, r->ports[i]);
    }
    slog(LOG_INFO, "%u ports released by pid %d (uid %u)", r->count,
         (int)c->pid, (unsigned)c->uid);
    wrote(out, proto_format_ok(ROOM(out)));
}

static void status(struct server *s, struct reply *out)
{
    char pool[256];
    struct lease_counts n = leases_counts(&s->leases);
    portset_format(&s->opts->pool, pool, sizeof(pool));
    struct status_line st = {
        .version = PORTPICKER_VERSION, .pool = pool, .managed = n.pool,
        .free = n.free, .leased = n.leased, .owners = n.owners,
    };
    wrote(out, proto_format_status(ROOM(out), &st));
}

/* "ok", then the metrics text: at most METRICS_TEXT_MAX bytes, which fit
 * REPLY_ROOM and, should the socket take only a part, the client's buffer. */
static void metrics(struct server *s, struct reply *out)
{
    wrote(out, proto_format_ok(ROOM(out)));
    if (!out->failed)
        wrote(out, server_metrics_format(s, ROOM(out)));
}

/* Only the head: the lines are written as the client reads them
 * (serve/listing.c), so a client that never reads costs no more than one
 * that does. */
static void leases(struct server *s, struct reply *out)
{
    out->leases = true;
    out->count = leases_counts(&s->leases).leased;
    wrote(out, proto_format_count(ROOM(out), out->count));
}

/* No default: -Wswitch names a verb added to lib/proto.h and not here. */
static void dispatch(struct server *s, const struct caller *c,
                     const struct request *r, struct reply *out)
{
    switch (r->verb) {
    case VERB_PICK:
        pick(s, c, r, out);
        return;
    case VERB_RELEASE:
        release(s, c, r, out);
        return;
    case VERB_STATUS:
        status(s, out);
        return;
    case VERB_LEASES:
        leases(s, out);
        return;
    case VERB_METRICS:
        metrics(s, out);
        return;
    }
}

void answer(struct server *s, const struct caller *c, const struct request *r,
            struct reply *out)
{
    if (!out->refusal.refused)
        dispatch(s, c, r, out);
    if (out->refusal.refused)
        refuse(s, c, out);
}

void answer_sent(struct server *s, const struct reply *out)
{
    if (!out->nports)
        return;
    s->stats.grants[out->mute ? DIALECT_LEGACY : DIALECT_V1]++;
    s->stats.allocations += out->nports;
}

void answer_undo(struct server *s, const struct reply *out)
{
    for (unsigned i = 0; i < out->nports; i++)
        grant_undo(s, out->ports[i]);
}
