/* SPDX-License-Identifier: Apache-2.0 */
/* answer.c: one dispatch from a parsed request to its reply, for legacy
 * and v1 requests alike (docs/protocol.md). The reply text is written by
 * lib/proto.h's formatters; client.c frames, parses, sends and closes.
 * Every refusal, whatever found it, is counted and logged here, in
 * refuse(), and nowhere else. */
#include "serve/owner.h"
#include "serve/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make room for one more line; false (out->failed) when out of memory. */
static bool reserve(struct reply *out)
{
    if (out->failed)
        return false;
    if (out->cap - out->len >= REPLY_ROOM)
        return true;
    size_t cap = out->cap ? out->cap * 2 : REPLY_ROOM;
    while (cap - out->len < REPLY_ROOM)
        cap *= 2;
    char *text = realloc(out->heap ? out->text : NULL, cap);
    if (!text) {
        out->failed = true;
        return false;
    }
    if (!out->heap && out->len)
        memcpy(text, out->text, out->len);
    out->text = text;
    out->cap = cap;
    out->heap = true;
    return true;
}

/* Account for a formatter's result (-1: it did not fit, which REPLY_ROOM
 * rules out; treated as a failed reply rather than trusted). */
static void wrote(struct reply *out, int n)
{
    if (n < 0)
        out->failed = true;
    else
        out->len += (size_t)n;
}

#define ROOM(out) ((out)->text + (out)->len), ((out)->cap - (out)->len)

void reply_refuse(struct reply *out, enum proto_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof(out->why), fmt, ap);
    va_end(ap);
    out->refused = true;
    out->code = code;
}

/* The one place a refusal is counted and logged; a v1 refusal says why in
 * an err line, a legacy one is a close without a word (portserver.py). */
static void refuse(struct server *s, const struct client *c, struct reply *out)
{
    bool bad = out->code == ERR_BAD_REQUEST || out->code == ERR_UNSUPPORTED;
    if (bad)
        s->stats.request_errors++;
    else
        s->stats.denied++;
    slog(LOG_INFO, "%s from pid %d (uid %u): %s", bad ? "bad request" : "denied",
         (int)c->peer_pid, (unsigned)c->uid, out->why);
    out->len = 0;
    if (!out->legacy && reserve(out))
        wrote(out, proto_format_err(ROOM(out), out->code, out->why));
}

static void pick(struct server *s, const struct client *c,
                 const struct request *r, struct reply *out)
{
    enum proto_err code;
    if (!server_grant_n(s, c, r->pid, r->count, r->nnames ? r->names : NULL,
                        r->prefer, r->nprefer, out->ports, &code)) {
        if (s->pid_wait)
            out->wait = true;
        else
            reply_refuse(out, code, "%s", s->why);
        return;
    }
    out->nports = r->count;
    if (reserve(out))
        wrote(out, proto_format_ports(ROOM(out), r->legacy, out->ports, r->count));
}

/* Every port must be leased, to c's uid unless c is root: else nothing. */
static void release(struct server *s, const struct client *c,
                    const struct request *r, struct reply *out)
{
    const struct leases *ls = &s->leases;
    for (unsigned i = 0; i < r->count; i++) {
        unsigned port = r->ports[i];
        const struct lease *l = leases_lease(ls, port);
        if (!l) {
            reply_refuse(out, ERR_NOT_LEASED, "port %u is not leased", port);
            return;
        }
        if (c->uid != 0 && l->uid != c->uid) {
            reply_refuse(out, ERR_NOT_OWNER, "port %u is leased by another "
                         "user (uid %u)", port, (unsigned)l->uid);
            return;
        }
    }
    for (unsigned i = 0; i < r->count; i++) {
        /* A port named twice in one request is released once. */
        if (leases_lease(ls, r->ports[i]))
            server_release(s, r->ports[i]);
    }
    slog(LOG_INFO, "%u ports released by pid %d (uid %u)", r->count,
         (int)c->peer_pid, (unsigned)c->uid);
    if (reserve(out))
        wrote(out, proto_format_ok(ROOM(out)));
}

static void status(struct server *s, struct reply *out)
{
    char pool[256];
    const struct leases *ls = &s->leases;
    portset_format(&s->opts->pool, pool, sizeof(pool));
    struct status_line st = {
        .version = PORTPICKER_VERSION, .pool = pool, .managed = ls->npool,
        .free = ls->free.len, .leased = ls->nleases, .owners = ls->nowners,
    };
    if (reserve(out))
        wrote(out, proto_format_status(ROOM(out), &st));
}

/* Only the head: the lines are written as the client reads them
 * (answer_leases_more), so a client that never reads costs no more than
 * one that does. */
static void leases(struct server *s, struct reply *out)
{
    out->leases = true;
    out->count = s->leases.nleases;
    if (reserve(out))
        wrote(out, proto_format_count(ROOM(out), out->count));
}

/* o's command line, read from /proc once per process (s->cmds). */
static const char *cmdline_of(struct server *s, const struct owner *o)
{
    struct cmd_entry *e = &s->cmds[(uint32_t)o->pid % CMD_CACHE];
    if (e->pid != o->pid || e->start != o->start) {
        proc_cmdline(o->pid, e->cmd, sizeof(e->cmd));
        e->pid = o->pid;
        e->start = o->start;
    }
    return e->cmd;
}

size_t answer_leases_more(struct server *s, struct client *c)
{
    const struct leases *ls = &s->leases;
    uint32_t now = (uint32_t)(monotonic_ms() / 1000);
    size_t len = 0;
    while (c->lines_left && sizeof(c->buf) - len >= PROTO_LEASE_LINE_MAX) {
        unsigned port = leases_next_leased(ls, c->cursor);
        if (!port) {
            /* Fewer than COUNT: some ended meanwhile. An empty line says
             * the listing is whole, so a client tells it from one cut
             * short (docs/protocol.md). */
            c->buf[len++] = '\n';
            c->lines_left = 0;
            break;
        }
        const struct lease *l = leases_lease(ls, port);
        const struct owner *o = leases_owner_of(ls, port);
        /* A lease's command line (which may hold a password) goes to its
         * uid and root; others get the port, uid and pid. */
        bool shown = c->uid == 0 || c->uid == l->uid;
        struct lease_line line = {
            .port = port, .pid = (int)o->pid, .uid = (unsigned)l->uid,
            .age = now - l->since, .names = leases_name_of(ls, port),
            .cmd = shown ? cmdline_of(s, o) : "",
        };
        int n = proto_format_lease(c->buf + len, sizeof(c->buf) - len, &line);
        if (n < 0)
            break;
        len += (size_t)n;
        c->cursor = port;
        c->lines_left--;
    }
    return len;
}

static void dispatch(struct server *s, const struct client *c,
                     const struct request *r, struct reply *out)
{
    if (r->verb == VERB_PICK)
        pick(s, c, r, out);
    else if (r->verb == VERB_RELEASE)
        release(s, c, r, out);
    else if (r->verb == VERB_STATUS)
        status(s, out);
    else
        leases(s, out);
}

void answer(struct server *s, const struct client *c, const struct request *r,
            struct reply *out)
{
    if (!out->refused)
        dispatch(s, c, r, out);
    if (out->refused)
        refuse(s, c, out);
}
