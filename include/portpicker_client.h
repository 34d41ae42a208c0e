/* SPDX-License-Identifier: Apache-2.0 */
/* portpicker_client.h: a header-only C and C++ client for the port server
 * protocol (docs/protocol.md): python_portpicker's portserver.py and
 * `portpicker serve` both answer it. libc only; C99 or C++.
 *
 *     #include <portpicker_client.h>    (first, or build with
 *                                        _POSIX_C_SOURCE >= 200809L)
 *     struct portpicker pp = {0};       (address from PORTSERVER_ADDRESS)
 *     unsigned ports[2];
 *     const char *names[] = {"http", "grpc"};
 *     if (portpicker_pick(&pp, 0, 2, names, ports) != PORTPICKER_OK)
 *         fprintf(stderr, "%s\n", pp.error);
 *
 * Every function returns PORTPICKER_OK or why not, with one line for a
 * person in pp.error. A request beyond a limit of portpicker_proto.h is
 * refused before it is sent. A pick of one unnamed port is the legacy
 * request, which every server answers; the rest is v1, which a legacy
 * server closes without a reply (PORTPICKER_UNSUPPORTED). */
#ifndef PORTPICKER_CLIENT_H
#define PORTPICKER_CLIENT_H

/* clock_gettime and nanosleep are POSIX: ask for them when nothing was
 * asked for yet (strict -std=c99 hides them otherwise). */
#if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE) && \
    !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "portpicker_defaults.h"
#include "portpicker_proto.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A libc header included first under strict C (-std=c99) settled the
 * feature macros without POSIX: say so rather than leave clock_gettime
 * undeclared. (glibc's own macro; other libcs fail at the call instead.) */
#if defined(__GLIBC__) && !defined(__USE_POSIX199309)
#error "portpicker_client.h: include it before any libc header, or build with -D_POSIX_C_SOURCE=200809L"
#endif

#define PORTPICKER_DEFAULT_TIMEOUT_MS (PORTPICKER_DEFAULT_TIMEOUT_S * 1000)

enum portpicker_result {
    PORTPICKER_OK = 0,
    PORTPICKER_INVALID,     /* a bad argument or a limit passed: not sent */
    PORTPICKER_REFUSED,     /* the server said no (pool empty, pid, quota) */
    PORTPICKER_NOT_HELD,    /* release: not leased, or not to you */
    PORTPICKER_UNREACHABLE, /* no address, or nothing listens there */
    PORTPICKER_TIMEOUT,     /* no whole answer within timeout_ms */
    PORTPICKER_BAD_REPLY,   /* the reply is not in the protocol */
    PORTPICKER_UNSUPPORTED, /* a legacy server: it knows only the legacy pick */
    PORTPICKER_SYSTEM,      /* a system call failed; error names it */
    PORTPICKER_SERVER_FAILED, /* the server failed (its state file, a system
                               * call): nothing was done; try again later */
};

struct portpicker {
    const char *address; /* "@name" (abstract) or a path; NULL: the
                          * environment's PORTSERVER_ADDRESS, else
                          * PORTPICKER_DEFAULT_ADDRESS */
    int timeout_ms;      /* for the whole request; 0: the default */
    char error[256];     /* why the last call failed */
};

/* ---- internals (portpicker__*), in the order they are used ---- */

static inline int portpicker__fail(struct portpicker *pp, int rc,
                                   const char *what, const char *detail)
{
    /* detail may be a reply: its first line only, its control characters
     * made visible (proto_escape), so error stays one line that a terminal
     * shows as it is, whatever the server sent */
    int head = snprintf(pp->error, sizeof(pp->error), "%s%s", what,
                        detail ? ": " : "");
    size_t at = head < 0 ? 0 : (size_t)head < sizeof(pp->error) ? (size_t)head
                : sizeof(pp->error) - 1;
    if (detail)
        proto_escape(pp->error + at, sizeof(pp->error) - at, detail,
                     strcspn(detail, "\n"), PROTO_ESCAPE_TEXT);
    return rc;
}

/* The monotonic clock in milliseconds, or -1 with errno set when it
 * cannot be read (a sandbox's filter): never an uninitialised time. */
static inline long long portpicker__now_ms(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
        return -1;
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, 0 when past it, -1 (errno set) when
 * the clock cannot say. */
static inline int portpicker__left(long long deadline)
{
    long long now = portpicker__now_ms();
    if (now < 0)
        return -1;
    return deadline - now > 0 ? (int)(deadline - now) : 0;
}

/* Wait until fd has events, within deadline: 1 when it has, 0 when time
 * ran out, -1 with errno set when poll (or the clock) failed. A signal is
 * not a failure: the wait goes on with what is left. */
static inline int portpicker__wait(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = {fd, events, 0};
        int left = portpicker__left(deadline);
        int n = left < 0 ? -1 : poll(&p, 1, left);
        if (n >= 0)
            return n > 0;
        if (left < 0 || errno != EINTR)
            return -1;
    }
}

/* Connect to the server and send request; the fd, or -1 (rc in *rc). */
static inline int portpicker__send(struct portpicker *pp, const char *addr,
                                   const char *request, long long deadline,
                                   int *rc)
{
    struct sockaddr_un sun;
    size_t len = strlen(addr), off = 0;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (len == 0 || len >= sizeof(sun.sun_path) || !strcmp(addr, "@")) {
        *rc = len ? PORTPICKER_INVALID : PORTPICKER_UNREACHABLE;
        portpicker__fail(pp, *rc, len ? "socket address too long or empty"
                                      : "no port server address", NULL);
        return -1;
    }
    memcpy(sun.sun_path, addr, len);
    if (addr[0] == '@')
        sun.sun_path[0] = '\0';   /* abstract: no trailing NUL */
    else
        len++;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *rc = portpicker__fail(pp, PORTPICKER_SYSTEM, "socket", strerror(errno));
        return -1;
    }
    socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    /* A full backlog says EAGAIN: wait a little, within the deadline. */
    while (connect(fd, (struct sockaddr *)&sun, sl) < 0) {
        struct timespec pause = {0, 5000000};
        int e = errno;
        if ((e == EAGAIN || e == EINTR) && portpicker__left(deadline) > 0) {
            nanosleep(&pause, NULL);
            continue;
        }
        close(fd);
        *rc = e == ENOENT || e == ECONNREFUSED ? PORTPICKER_UNREACHABLE
              : e == EAGAIN ? PORTPICKER_TIMEOUT : PORTPICKER_SYSTEM;
        /* the address as the caller gave it, escaped as a reply is: it
         * may come from the environment, and error stays one line */
        size_t at = (size_t)snprintf(pp->error, sizeof(pp->error),
                                     "no port server at ");
        at += proto_escape(pp->error + at, sizeof(pp->error) - at, addr,
                           strlen(addr), PROTO_ESCAPE_TEXT);
        snprintf(pp->error + at, sizeof(pp->error) - at, ": %s", strerror(e));
        return -1;
    }
    len = strlen(request);
    while (off < len) {
        ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
        const char *what = "send";
        int ready = -1;
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (errno == EAGAIN || errno == EINTR) {
            what = "poll";
            ready = portpicker__wait(fd, POLLOUT, deadline);
        }
        if (ready > 0)
            continue;
        *rc = ready == 0 ? portpicker__fail(pp, PORTPICKER_TIMEOUT, "send", "timed out")
              : portpicker__fail(pp, PORTPICKER_SYSTEM, what, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Send request, read the reply until the server closes; its length, 0
 * when the server closed without a word, or -1 (rc in *rc). */
static inline long portpicker__ask(struct portpicker *pp, const char *request,
                                   char *reply, size_t cap, int *rc)
{
    const char *addr = pp->address ? pp->address : getenv("PORTSERVER_ADDRESS");
    int ms = pp->timeout_ms > 0 ? pp->timeout_ms : PORTPICKER_DEFAULT_TIMEOUT_MS;
    long long now = portpicker__now_ms();
    long long deadline = now + ms;
    size_t got = 0;
    if (now < 0) {
        *rc = portpicker__fail(pp, PORTPICKER_SYSTEM, "clock_gettime", strerror(errno));
        return -1;
    }
    int fd = portpicker__send(pp, addr ? addr : PORTPICKER_DEFAULT_ADDRESS,
                              request, deadline, rc);
    if (fd < 0)
        return -1;
    for (;;) {
        int ready = -1;
        ssize_t n = got + 1 < cap ? recv(fd, reply + got, cap - 1 - got, 0) : -2;
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        /* A reset before any reply is a refusal too (portserver.py). */
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            break;
        if (n == -2)
            *rc = portpicker__fail(pp, PORTPICKER_BAD_REPLY, "reply too long", NULL);
        else if (errno != EAGAIN && errno != EINTR)
            *rc = portpicker__fail(pp, PORTPICKER_SYSTEM, "recv", strerror(errno));
        else if ((ready = portpicker__wait(fd, POLLIN, deadline)) > 0)
            continue;
        else if (ready < 0)
            *rc = portpicker__fail(pp, PORTPICKER_SYSTEM, "poll", strerror(errno));
        else
            *rc = portpicker__fail(pp, PORTPICKER_TIMEOUT,
                                   "no answer from the port server", "timed out");
        close(fd);
        return -1;
    }
    close(fd);
    reply[got] = '\0';
    /* A NUL would cut the reply every later check reads short. */
    if (memchr(reply, '\0', got)) {
        *rc = portpicker__fail(pp, PORTPICKER_BAD_REPLY, "reply holds a NUL byte", NULL);
        return -1;
    }
    return (long)got;
}

/* The codes of PROTO_ERRORS, in its order: PORTPICKER__ERR_BUSY, ... */
#define PORTPICKER__ERR_ENUM(name, word) PORTPICKER__ERR_##name,
enum portpicker__err { PROTO_ERRORS(PORTPICKER__ERR_ENUM) };
#undef PORTPICKER__ERR_ENUM

/* "err CODE TEXT\n" into a result, with TEXT in pp->error. A code not in
 * the protocol, or not-leased and not-owner, which answer a release alone,
 * are a bad reply. */
static inline int portpicker__refusal(struct portpicker *pp, const char *reply,
                                      int release)
{
    const char *bad = proto_err_line_bad(reply);
    if (bad)
        return portpicker__fail(pp, PORTPICKER_BAD_REPLY,
                                "not a reply of the protocol", bad);
    int code = proto_err_index(reply + 4);
    if (code < 0 || (!release && (code == PORTPICKER__ERR_NOT_LEASED ||
                                  code == PORTPICKER__ERR_NOT_OWNER)))
        return portpicker__fail(pp, PORTPICKER_BAD_REPLY, "not a reply of the "
                                "protocol (an error this client does not know "
                                "here)", reply);
    /* proto_err_index knows a code only with a space after it, on the
     * first line: the text starts there. */
    const char *text = reply + 5 + strcspn(reply + 4, " ");
    int failed = code == PORTPICKER__ERR_SERVER;
    int rc = code == PORTPICKER__ERR_UNSUPPORTED ? PORTPICKER_UNSUPPORTED
             : failed ? PORTPICKER_SERVER_FAILED
             : code == PORTPICKER__ERR_NOT_LEASED || code == PORTPICKER__ERR_NOT_OWNER
             ? PORTPICKER_NOT_HELD : PORTPICKER_REFUSED;
    return portpicker__fail(pp, rc, failed ? "the port server failed"
                            : code == PORTPICKER__ERR_BUSY
                            ? "the port server closed this connection"
                            : "the port server refused", text);
}

/* Exactly count distinct ports, as proto_parse_ports reads them? NULL if
 * so, else what is wrong. ports is written only when all is well. */
static inline const char *portpicker__ports(const char *reply, int legacy,
                                            unsigned count, unsigned *ports)
{
    unsigned got[PROTO_MAX_PORTS];
    if (!proto_parse_ports(reply, legacy, count, got))
        return "not a reply of the protocol";
    if (proto_port_twice(got, count))
        return "not a reply of the protocol (a port granted twice)";
    memcpy(ports, got, count * sizeof(*ports));
    return NULL;
}

/* ---- the requests ---- */

/* Lease count ports (1..PROTO_MAX_PORTS) for process pid (0: this
 * process), returned into ports; they go back to the pool when pid dies.
 * names: NULL, or count NAMEs (PROTO_MAX_NAMES at most, each
 * proto_is_name). One unnamed port is the legacy request. */
static inline int portpicker_pick(struct portpicker *pp, long pid, unsigned count,
                                  const char *const *names, unsigned *ports)
{
    char request[PROTO_REQUEST_MAX + 2], reply[PROTO_MAX_PORTS * 6 + 8];
    int legacy = count == 1 && !names, rc = PORTPICKER_OK;
    size_t len;
    if (pid == 0)
        pid = (long)getpid();
    if (count == 0 || count > PROTO_MAX_PORTS || pid < 1 || pid > PROTO_PID_MAX ||
        (names && count > PROTO_MAX_NAMES))
        return portpicker__fail(pp, PORTPICKER_INVALID, "request not sent",
                                "count, pid or number of names out of range");
    len = (size_t)snprintf(request, sizeof(request), legacy ? "%ld\n"
                           : "v1 pick %ld %u", pid, count);
    for (unsigned i = 0; names && i < count; i++) {
        if (!proto_is_name(names[i]))
            return portpicker__fail(pp, PORTPICKER_INVALID, "not a NAME ("
                                    PROTO_NAME_RULE ")", names[i]);
        len += (size_t)snprintf(request + len, sizeof(request) - len, " %s", names[i]);
    }
    if (!legacy)
        snprintf(request + len, sizeof(request) - len, "\n");
    long got = portpicker__ask(pp, request, reply, sizeof(reply), &rc);
    if (got < 0)
        return rc;
    if (got == 0)
        return legacy ? portpicker__fail(pp, PORTPICKER_REFUSED, "the port server "
                                         "refused: pool empty or pid unknown", NULL)
                      : portpicker__fail(pp, PORTPICKER_UNSUPPORTED, "a legacy port "
                                         "server: only one unnamed port", NULL);
    /* Only our server says "err" to a legacy pick: when it closes the
     * connection idle (busy). */
    if (!strncmp(reply, "err ", 4))
        return portpicker__refusal(pp, reply, 0);
    const char *why = portpicker__ports(reply, legacy, count, ports);
    return why ? portpicker__fail(pp, PORTPICKER_BAD_REPLY, why, reply) : PORTPICKER_OK;
}

/* Give n leased ports back now, all or none (v1). */
static inline int portpicker_release(struct portpicker *pp, const unsigned *ports,
                                     unsigned n)
{
    char request[PROTO_REQUEST_MAX + 2] = "v1 release", reply[512];
    size_t len = strlen(request);
    int rc = PORTPICKER_OK;
    if (n == 0 || n > PROTO_MAX_PORTS)
        return portpicker__fail(pp, PORTPICKER_INVALID, "request not sent",
                                "1 to " PROTO_STR(PROTO_MAX_PORTS) " ports");
    for (unsigned i = 0; i < n; i++) {
        if (ports[i] == 0 || ports[i] > 65535)
            return portpicker__fail(pp, PORTPICKER_INVALID, "request not sent",
                                    "a port out of 1-65535");
        len += (size_t)snprintf(request + len, sizeof(request) - len, " %u", ports[i]);
    }
    snprintf(request + len, sizeof(request) - len, "\n");
    long got = portpicker__ask(pp, request, reply, sizeof(reply), &rc);
    if (got < 0)
        return rc;
    if (got == 0)
        return portpicker__fail(pp, PORTPICKER_UNSUPPORTED, "a legacy port "
                                "server: it cannot release", NULL);
    if (!strncmp(reply, "err ", 4))
        return portpicker__refusal(pp, reply, 1);
    if (strcmp(reply, "ok\n"))
        return portpicker__fail(pp, PORTPICKER_BAD_REPLY, "not a reply of the "
                                "protocol", reply);
    return PORTPICKER_OK;
}

/* The server's status line into line (len bytes), without "ok " and the
 * newline: "portpicker VERSION pool=LO-HI managed=N free=N leased=N
 * owners=N", control characters made visible (proto_escape).
 * PORTPICKER_UNSUPPORTED from a legacy server: it is up. */
static inline int portpicker_status(struct portpicker *pp, char *line, size_t len)
{
    char reply[1024];
    int rc = PORTPICKER_OK;
    long got = portpicker__ask(pp, "v1 status\n", reply, sizeof(reply), &rc);
    if (got < 0)
        return rc;
    if (got == 0)
        return portpicker__fail(pp, PORTPICKER_UNSUPPORTED, "a legacy port "
                                "server: up, but it has no status", NULL);
    if (!strncmp(reply, "err ", 4))
        return portpicker__refusal(pp, reply, 0);
    if (strncmp(reply, "ok ", 3) || got < 5 || reply[got - 1] != '\n' ||
        strchr(reply, '\n') != reply + got - 1)
        return portpicker__fail(pp, PORTPICKER_BAD_REPLY, "not a reply of the "
                                "protocol", reply);
    if (len)
        proto_escape(line, len, reply + 3, (size_t)got - 4, PROTO_ESCAPE_TEXT);
    return PORTPICKER_OK;
}

#endif
