/* v1.c: the server side of the v1 verbs (docs/protocol.md): each turns a
 * parsed request into its reply text. client.c frames, sends and closes. */
#include "serve/owner.h"
#include "serve/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append to out; on ENOMEM the reply is marked failed and stays short. */
static void put(struct v1_reply *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct v1_reply *out, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = out->cap - out->len;
        int n = vsnprintf(out->text ? out->text + out->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0 || out->failed)
            return;
        if ((size_t)n < room) {
            out->len += (size_t)n;
            return;
        }
        size_t cap = out->cap ? out->cap * 2 : 256;
        while (cap - out->len <= (size_t)n)
            cap *= 2;
        char *text = realloc(out->text, cap);
        if (!text) {
            out->failed = true;
            return;
        }
        out->text = text;
        out->cap = cap;
    }
}

static void v1_pick(struct server *s, const struct client *c,
                    const struct v1_request *r, struct v1_reply *out)
{
    const char *code;
    if (!server_grant_n(s, c, r->pid, r->count, r->nnames ? r->names : NULL,
                        out->ports, &code)) {
        s->stats.denied++;
        slog(LOG_INFO, "denied from pid %d (uid %u): %s", (int)c->peer_pid,
             (unsigned)c->uid, s->why);
        put(out, "err %s %s\n", code, s->why);
        return;
    }
    out->nports = r->count;
    put(out, "ok");
    for (unsigned i = 0; i < r->count; i++)
        put(out, " %u", out->ports[i]);
    put(out, "\n");
}

/* Every port must be leased, to c's uid unless c is root: else nothing. */
static void v1_release(struct server *s, const struct client *c,
                       const struct v1_request *r, struct v1_reply *out)
{
    const struct leases *ls = &s->leases;
    for (unsigned i = 0; i < r->count; i++) {
        unsigned port = r->ports[i];
        const struct lease *l = leases_lease(ls, port);
        if (!l) {
            put(out, "err not-leased port %u is not leased\n", port);
            s->stats.denied++;
            return;
        }
        if (c->uid != 0 && l->uid != c->uid) {
            put(out, "err not-owner port %u is leased by another user (uid %u)\n",
                port, (unsigned)l->uid);
            s->stats.denied++;
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
    put(out, "ok\n");
}

static void v1_status(struct server *s, struct v1_reply *out)
{
    char pool[256];
    const struct leases *ls = &s->leases;
    portset_format(&s->opts->pool, pool, sizeof(pool));
    put(out, "ok portpicker %s pool=%s managed=%zu free=%zu leased=%zu owners=%zu\n",
        PORTPICKER_VERSION, pool, ls->npool, ls->free.len, ls->nleases,
        ls->nowners);
}

/* cmd as one line into buf: bytes outside printable ASCII as \xHH and
 * backslashes doubled (truncated to fit). */
static void escape_cmdline(const char *cmd, char *buf, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)cmd; *p && n + 5 < len; p++) {
        if (*p == '\\') {
            buf[n++] = '\\';
            buf[n++] = '\\';
        } else if (*p < 0x20 || *p >= 0x7f) {
            n += (size_t)snprintf(buf + n, len - n, "\\x%02x", *p);
        } else {
            buf[n++] = (char)*p;
        }
    }
    buf[n] = '\0';
}

/* One owner at a time, so its command line is read and escaped once. */
static void v1_leases(struct server *s, struct v1_reply *out)
{
    const struct leases *ls = &s->leases;
    uint32_t now = (uint32_t)(monotonic_ms() / 1000);
    char cmd[512], escaped[4 * sizeof(cmd)];
    put(out, "ok %zu\n", ls->nleases);
    for (const struct owner *o = leases_next_owner(ls, NULL); o;
         o = leases_next_owner(ls, o)) {
        if (!o->first)
            continue;
        proc_cmdline(o->pid, cmd, sizeof(cmd));
        escape_cmdline(cmd, escaped, sizeof(escaped));
        for (unsigned port = leases_next_of_owner(ls, o, 0); port;
             port = leases_next_of_owner(ls, o, port)) {
            const struct lease *l = leases_lease(ls, port);
            const char *name = leases_name_of(ls, port);
            put(out, "port=%u pid=%d uid=%u age=%u names=%s cmd=%s\n", port,
                (int)o->pid, (unsigned)l->uid, now - l->since,
                name ? name : "-", escaped);
        }
    }
}

void v1_answer(struct server *s, const struct client *c, char *line,
               struct v1_reply *out)
{
    struct v1_request *r = malloc(sizeof(*r));
    char why[128];
    if (!r) {
        put(out, "err unsupported out of memory\n");
        return;
    }
    enum v1_parse parsed = wire_parse_v1(line, r, why, sizeof(why));
    if (parsed != V1_OK) {
        s->stats.request_errors++;
        slog(LOG_INFO, "bad request from pid %d (uid %u): %s", (int)c->peer_pid,
             (unsigned)c->uid, why);
        put(out, "err %s %s\n", parsed == V1_UNSUPPORTED ? "unsupported"
                                                         : "bad-request", why);
    } else if (r->verb == V1_PICK) {
        v1_pick(s, c, r, out);
    } else if (r->verb == V1_RELEASE) {
        v1_release(s, c, r, out);
    } else if (r->verb == V1_STATUS) {
        v1_status(s, out);
    } else {
        v1_leases(s, out);
    }
    free(r);
}
