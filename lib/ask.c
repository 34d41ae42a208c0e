/* SPDX-License-Identifier: Apache-2.0 */
/* ask.c: the client side of the port server protocol (docs/protocol.md):
 * one request per connection, the reply read until the server closes, all
 * within one deadline so a hung server cannot hang the caller
 * (python_portpicker's client has no timeout at all). */
#include "portpicker.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

socklen_t unix_address(const char *address, struct sockaddr_un *sun, char *err,
                       size_t errlen)
{
    size_t len = strlen(address);
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    /* A path needs room for its NUL; an abstract name starts with one. */
    if (len == 0 || (address[0] == '@' && len == 1)) {
        snprintf(err, errlen, "empty socket address %s", QUOTED(address));
        return 0;
    }
    if (len >= sizeof(sun->sun_path)) {
        snprintf(err, errlen, "socket address %s is longer than %zu bytes",
                 QUOTED(address), sizeof(sun->sun_path) - 1);
        return 0;
    }
    /* Refused here, so that every message after may name the address as
     * it is and stay one line. */
    const char *why = unprintable(address);
    if (why) {
        snprintf(err, errlen, "socket address %s %s", QUOTED(address), why);
        return 0;
    }
    if (address[0] == '@')
        return unix_abstract(sun, address, len, err, errlen);
    memcpy(sun->sun_path, address, len);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* Milliseconds left until deadline (seconds), at least 0. */
static int ms_left(double deadline)
{
    double left = (deadline - monotonic_seconds_syscall()) * 1000;
    return left > 0 ? (int)left + 1 : 0;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_for(int fd, short events, double deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int n = poll(&pfd, 1, ms_left(deadline));
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -1;
    }
}

/* Connect, retrying while the server's backlog is full. */
static enum ask_result connect_by(int fd, const struct sockaddr_un *sun,
                                  socklen_t len, double deadline)
{
    while (connect(fd, (const struct sockaddr *)sun, len) < 0) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            return ASK_UNREACHABLE;
        if (errno != EAGAIN && errno != EINTR)
            return ASK_ERROR;
        if (ms_left(deadline) == 0)
            return ASK_TIMEOUT;
        sleep_ms(5);
    }
    return ASK_REPLY;
}

static enum ask_result send_all(int fd, const char *buf, size_t len,
                                double deadline)
{
    while (len > 0) {
        ssize_t n = send_nosignal(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            return ASK_REPLY; /* the server closed: read what it said */
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return ASK_ERROR;
        } else if (wait_for(fd, POLLOUT, deadline) <= 0) {
            return ms_left(deadline) ? ASK_ERROR : ASK_TIMEOUT;
        }
    }
    return ASK_REPLY;
}

/* Read until the server closes; *got is the length read. */
static enum ask_result read_all(int fd, char *reply, size_t cap, size_t *got,
                                double deadline)
{
    *got = 0;
    for (;;) {
        if (*got == cap)
            return ASK_OVERSIZE;
        ssize_t n = recv(fd, reply + *got, cap - *got, 0);
        if (n == 0)
            return *got ? ASK_REPLY : ASK_CLOSED;
        if (n > 0) {
            if (memchr(reply + *got, '\0', (size_t)n))
                return ASK_NUL;
            *got += (size_t)n;
            continue;
        }
        /* A server that resets instead of closing has refused too. */
        if (errno == ECONNRESET)
            return *got ? ASK_REPLY : ASK_CLOSED;
        if (errno != EAGAIN && errno != EINTR)
            return ASK_ERROR;
        int ready = wait_for(fd, POLLIN, deadline);
        if (ready < 0)
            return ASK_ERROR;
        if (ready == 0)
            return ASK_TIMEOUT;
    }
}

enum ask_result ask_server(const char *address, const char *request,
                           char *reply, size_t replylen, double timeout,
                           char *err, size_t errlen)
{
    struct sockaddr_un sun;
    double deadline = monotonic_seconds_syscall() + timeout;
    size_t got = 0;
    socklen_t len = unix_address(address, &sun, err, errlen);
    if (len == 0)
        return ASK_BAD_ADDRESS;
    int fd = socket_cloexec(AF_UNIX, SOCK_STREAM, true);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return ASK_ERROR;
    }
    struct ask_failure f = {.address = address, .stage = ASK_AT_CONNECT,
                            .timeout = timeout, .cap = replylen - 1};
    enum ask_result r = connect_by(fd, &sun, len, deadline);
    if (r == ASK_REPLY) {
        f.stage = ASK_AT_SEND;
        r = send_all(fd, request, strlen(request), deadline);
    }
    if (r == ASK_REPLY) {
        f.stage = ASK_AT_READ;
        r = read_all(fd, reply, f.cap, &got, deadline);
    }
    close_keep_errno(fd);
    f.detail = strerror(errno);
    reply[got] = '\0';
    ask_result_line(r, &f, err, errlen);
    return r;
}
