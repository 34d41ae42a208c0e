/* verbs.c: each request of docs/protocol.md as a function that returns an
 * exit code (RC_OK or why not) and, on failure, one line for the user. The
 * replies are checked strictly: a port is returned only when the server
 * granted exactly what was asked, in the form the protocol says. */
#include "portpicker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit code and message for a transport failure. */
static int transport_failure(enum ask_result r, const char *what,
                             const char *address, char *err, size_t errlen)
{
    switch (r) {
    case ASK_UNREACHABLE: return RC_UNREACHABLE;
    case ASK_TIMEOUT: return RC_TIMEOUT;
    case ASK_OVERSIZE: return RC_BAD_REPLY;
    case ASK_CLOSED:
        snprintf(err, errlen, "the port server at %s does not support %s "
                 "(a legacy server, such as portserver.py, closed without a reply)",
                 address, what);
        return RC_UNSUPPORTED;
    default: return RC_SYSTEM;
    }
}

/* Parse "PORT" (1-65535) at *p, advancing past it; false if not one. */
static bool take_port(const char **p, unsigned *port)
{
    char *end;
    if (**p < '0' || **p > '9')
        return false;
    errno = 0;
    unsigned long v = strtoul(*p, &end, 10);
    if (errno || v < 1 || v > PORT_MAX || end - *p > 5)
        return false;
    *port = (unsigned)v;
    *p = end;
    return true;
}

/* A v1 "err CODE TEXT" reply into an exit code and message. */
static int v1_error(const char *reply, const char *address, char *err,
                    size_t errlen)
{
    static const struct { const char *code; int rc; } codes[] = {
        {"exhausted", RC_REFUSED},   {"no-such-pid", RC_REFUSED},
        {"quota", RC_REFUSED},       {"not-leased", RC_NOT_HELD},
        {"not-owner", RC_NOT_HELD},  {"unsupported", RC_UNSUPPORTED},
        {"bad-request", RC_BAD_REPLY},
    };
    const char *nl = strchr(reply, '\n');
    int len = nl ? (int)(nl - reply) : (int)strlen(reply);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        size_t n = strlen(codes[i].code);
        if (!strncmp(reply + 4, codes[i].code, n) && reply[4 + n] == ' ') {
            snprintf(err, errlen, "the port server at %s refused: %.*s", address,
                     len - 5 - (int)n, reply + 5 + n);
            return codes[i].rc;
        }
    }
    snprintf(err, errlen, "the port server at %s sent an error this client does "
             "not know: '%.*s'", address, len > 80 ? 80 : len, reply);
    return RC_BAD_REPLY;
}

static int bad_reply(const char *reply, const char *address, char *err,
                     size_t errlen)
{
    size_t len = strcspn(reply, "\n");
    snprintf(err, errlen, "the port server at %s sent a reply that is not in "
             "the protocol: '%.*s'%s", address, (int)(len > 60 ? 60 : len), reply,
             reply[len] ? "" : " (no newline)");
    return RC_BAD_REPLY;
}

int ask_pick(const char *address, pid_t pid, unsigned count,
                char *const *names, unsigned *ports, double timeout, char *err,
                size_t errlen)
{
    char request[1100], reply[8192];
    int used;
    bool legacy = count == 1 && !names;
    if (legacy)
        used = snprintf(request, sizeof(request), "%ld\n", (long)pid);
    else
        used = snprintf(request, sizeof(request), "v1 pick %ld %u", (long)pid, count);
    for (unsigned i = 0; names && i < count; i++)
        used += snprintf(request + used, sizeof(request) - (size_t)used, " %s", names[i]);
    if (!legacy)
        snprintf(request + used, sizeof(request) - (size_t)used, "\n");

    enum ask_result r = ask_server(address, request, reply, sizeof(reply),
                                   timeout, err, errlen);
    if (r == ASK_CLOSED && legacy) {
        snprintf(err, errlen, "the port server at %s refused: no free port in "
                 "its pool, or it cannot see pid %ld", address, (long)pid);
        return RC_REFUSED;
    }
    if (r != ASK_REPLY)
        return transport_failure(r, "picking several ports at once", address, err, errlen);
    const char *p = reply;
    if (!legacy) {
        if (!strncmp(reply, "err ", 4))
            return v1_error(reply, address, err, errlen);
        if (strncmp(reply, "ok ", 3))
            return bad_reply(reply, address, err, errlen);
        p += 3;
    }
    for (unsigned i = 0; i < count; i++) {
        if (!take_port(&p, &ports[i]) || *p != (i + 1 < count ? ' ' : '\n'))
            return bad_reply(reply, address, err, errlen);
        p++;
    }
    return *p ? bad_reply(reply, address, err, errlen) : RC_OK;
}

int ask_release(const char *address, const unsigned *ports, unsigned n,
                   double timeout, char *err, size_t errlen)
{
    char request[7 * 1000 + 16], reply[512];
    int used = snprintf(request, sizeof(request), "v1 release");
    for (unsigned i = 0; i < n; i++)
        used += snprintf(request + used, sizeof(request) - (size_t)used, " %u", ports[i]);
    snprintf(request + used, sizeof(request) - (size_t)used, "\n");
    enum ask_result r = ask_server(address, request, reply, sizeof(reply),
                                   timeout, err, errlen);
    if (r != ASK_REPLY)
        return transport_failure(r, "release", address, err, errlen);
    if (!strncmp(reply, "err ", 4))
        return v1_error(reply, address, err, errlen);
    return strcmp(reply, "ok\n") ? bad_reply(reply, address, err, errlen) : RC_OK;
}

int ask_query(const char *address, const char *verb, char *reply,
                 size_t replylen, bool *legacy, double timeout, char *err,
                 size_t errlen)
{
    char request[64];
    snprintf(request, sizeof(request), "v1 %s\n", verb);
    *legacy = false;
    enum ask_result r = ask_server(address, request, reply, replylen, timeout,
                                   err, errlen);
    if (r == ASK_CLOSED) {
        *legacy = true;
        transport_failure(r, verb, address, err, errlen);
        return RC_OK;
    }
    if (r != ASK_REPLY)
        return transport_failure(r, verb, address, err, errlen);
    if (!strncmp(reply, "err ", 4))
        return v1_error(reply, address, err, errlen);
    if (strncmp(reply, "ok", 2) || !strchr(reply, '\n') ||
        reply[strlen(reply) - 1] != '\n')
        return bad_reply(reply, address, err, errlen);
    return RC_OK;
}
