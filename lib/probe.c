/* SPDX-License-Identifier: Apache-2.0 */
/* probe.c: is a port free, and is something listening on it?
 *
 * "Free" means what python_portpicker means (bindable for TCP with listen,
 * and for UDP, on the IPv6 and IPv4 wildcard addresses), made stricter where
 * its SO_REUSEADDR probe says "free" wrongly:
 *  - UDP is probed without SO_REUSEADDR, so a UDP socket bound with it counts.
 *  - TCP is probed without SO_REUSEADDR first. When that fails, a second bind
 *    with SO_REUSEADDR tells a real claim (a listener, a plain bound socket)
 *    from sockets a SO_REUSEADDR server can bind over; of the latter,
 *    TIME_WAIT and other connections (sockdiag.c counts them) are free,
 *    while a socket bound with SO_REUSEADDR but not listening (a server
 *    starting up, or our own hold) is no connection and counts as taken.
 * Probe sockets are shut down before close: python_portpicker 1.6 found
 * that a bare close left a 1-in-500 flake.
 *
 * Two sockets, not four: a dual-stack socket (IPv6 wildcard, IPV6_V6ONLY
 * off) conflicts with everything either wildcard of its family would, IPv4
 * holders included, so when the TCP and the UDP one both bind the port is
 * free for all four, at half the syscalls. Any failure, TIME_WAIT included,
 * is settled by the four sockets one by one: they tell a connection from a
 * claim and name the socket that found it. Where IPv6 is switched off, or
 * one family alone or a --host is asked for, only those sockets are used;
 * off Linux the four always are (lib/ipv6_posix.c).
 *
 * Off Linux there is no sock_diag, so a TCP port whose first bind fails
 * counts as taken, TIME_WAIT included, with no second bind: conservative.
 * What each bind finds on each system, with sources, is in
 * docs/platforms.md. */
#include "portpicker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum outcome { OUT_FREE, OUT_IN_USE, OUT_SKIP, OUT_ERROR };

void probe_opts_default(struct probe_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->tcp = opts->udp = true;
    opts->ipv4 = opts->ipv6 = true;
}

int probe_opts_set_host(struct probe_opts *opts, const char *host, char *err,
                        size_t errlen)
{
    if (inet_pton(AF_INET, host, opts->host_addr) == 1)
        opts->host_family = AF_INET;
    else if (inet_pton(AF_INET6, host, opts->host_addr) == 1)
        opts->host_family = AF_INET6;
    else {
        snprintf(err, errlen, "%s is not a numeric IPv4 or IPv6 address",
                 QUOTED(host));
        return -1;
    }
    /* ::ffff:a.b.c.d binds nowhere on an IPv6-only probe socket (EINVAL):
     * the IPv4 address is what is meant. */
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    const unsigned char *a = opts->host_addr;
    if (opts->host_family == AF_INET6 && !memcmp(a, mapped, sizeof(mapped))) {
        snprintf(err, errlen, "%s is an IPv4-mapped IPv6 address: give the "
                 "IPv4 address, %u.%u.%u.%u", QUOTED(host), a[12], a[13],
                 a[14], a[15]);
        return -1;
    }
    opts->has_host = true;
    return 0;
}

socklen_t make_sockaddr(struct sockaddr_storage *sa, int family,
                        const unsigned char *addr, unsigned port)
{
    memset(sa, 0, sizeof(*sa));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        if (addr)
            memcpy(&in->sin_addr, addr, 4);
        return sizeof(*in);
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    if (addr)
        memcpy(&in6->sin6_addr, addr, 16);
    return sizeof(*in6);
}

/* Close keeping errno, a TCP socket after shutdown (see the file comment).
 * Not a UDP one: unconnected, its shutdown fails with ENOTCONN and changes
 * nothing, a syscall in every probe for no effect. */
static void close_quietly(int fd, int type)
{
    int saved = errno;
    if (type == SOCK_STREAM)
        shutdown(fd, SHUT_RDWR);
    close(fd);
    errno = saved;
}

size_t probe_targets(const struct probe_opts *opts, bool dual,
                     struct probe_target *out)
{
    static const int families[] = {AF_INET6, AF_INET};
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    size_t n = 0;

    if (dual) {
        for (size_t t = 0; t < 2; t++)
            if (types[t] == SOCK_STREAM ? opts->tcp : opts->udp)
                out[n++] = (struct probe_target){AF_INET6, types[t], NULL, true};
        return n;
    }
    for (size_t f = 0; f < 2; f++) {
        int family = families[f];
        if ((family == AF_INET && !opts->ipv4) ||
            (family == AF_INET6 && !opts->ipv6) ||
            (opts->has_host && family != opts->host_family))
            continue;
        for (size_t t = 0; t < 2; t++) {
            if ((types[t] == SOCK_STREAM && !opts->tcp) ||
                (types[t] == SOCK_DGRAM && !opts->udp))
                continue;
            out[n++] = (struct probe_target){
                family, types[t], opts->has_host ? opts->host_addr : NULL, false};
        }
    }
    return n;
}

bool probe_dual_stack(const struct probe_opts *opts)
{
    return opts->ipv4 && opts->ipv6 && !opts->has_host && ipv6_dual_stack_probe();
}

int bind_target(const struct probe_target *target, unsigned port, bool reuse,
                bool do_listen)
{
    int fd = socket_cloexec(target->family, target->type, false);
    if (fd < 0)
        return -1;
    int one = 1, v6only = !target->dual;
    struct sockaddr_storage sa;
    socklen_t len = make_sockaddr(&sa, target->family, target->addr, port);
    if ((target->family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) ||
        (reuse &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
        bind(fd, (struct sockaddr *)&sa, len) < 0 ||
        (do_listen && target->type == SOCK_STREAM && listen(fd, 1) < 0)) {
        close_quietly(fd, target->type);
        return -1;
    }
    return fd;
}

static bool family_missing(int err)
{
    return err == EAFNOSUPPORT || err == EPROTONOSUPPORT;
}

/* The EADDRINUSE case of TCP: see the file comment. */
static enum outcome tcp_conflict(const struct probe_target *target,
                                 unsigned port)
{
    /* Without sock_diag no answer of the second bind frees the port, and on
     * the BSDs it would succeed beside a holder of 127.0.0.1 and listen on
     * the wildcard for a moment (docs/platforms.md). */
    if (!have_sockdiag)
        return OUT_IN_USE;
    int fd = bind_target(target, port, true, true);
    if (fd < 0)
        return errno == EADDRINUSE ? OUT_IN_USE : OUT_ERROR;
    close_quietly(fd, SOCK_STREAM);
    /* Only connections (TIME_WAIT and the like) explain the first failure;
     * when the kernel cannot be asked, the port counts as taken. */
    int connections = sockdiag_count(IPPROTO_TCP, SOCK_STATES_CONNECTED, port);
    return connections > 0 ? OUT_FREE : OUT_IN_USE;
}

static enum outcome probe_one(const struct probe_target *target, unsigned port)
{
    int fd = bind_target(target, port, false, true);
    if (fd >= 0) {
        close_quietly(fd, target->type);
        return OUT_FREE;
    }
    if (family_missing(errno))
        return OUT_SKIP;
    if (errno != EADDRINUSE)
        return OUT_ERROR;
    return target->type == SOCK_STREAM ? tcp_conflict(target, port) : OUT_IN_USE;
}

static void describe(char *why, size_t len, int type, int family,
                     const unsigned char *addr)
{
    char text[INET6_ADDRSTRLEN] = "";
    static const unsigned char zero[16];
    inet_ntop(family, addr ? addr : zero, text, sizeof(text));
    snprintf(why, len, "%s on %s", type == SOCK_STREAM ? "tcp" : "udp", text);
}

/* The dual-stack sockets: true when each binds (and the TCP one listens). */
static bool free_on_dual_stack(const struct probe_opts *opts, unsigned port)
{
    struct probe_target targets[2];
    size_t n = probe_targets(opts, true, targets);
    for (size_t i = 0; i < n; i++) {
        int fd = bind_target(&targets[i], port, false, true);
        if (fd < 0)
            return false;
        close_quietly(fd, targets[i].type);
    }
    return true;
}

enum probe_result probe_port(const struct probe_opts *opts, unsigned port,
                             char *why, size_t whylen)
{
    if (probe_dual_stack(opts) && free_on_dual_stack(opts, port))
        return PROBE_FREE;

    struct probe_target targets[4];
    size_t n = probe_targets(opts, false, targets);
    int skipped_family = 0;
    size_t probed = 0;

    for (size_t i = 0; i < n; i++) {
        if (targets[i].family == skipped_family)
            continue;
        enum outcome out = probe_one(&targets[i], port);
        if (out == OUT_SKIP)
            skipped_family = targets[i].family;
        probed += out != OUT_SKIP;
        if (out == OUT_SKIP || out == OUT_FREE)
            continue;
        describe(why, whylen, targets[i].type, targets[i].family,
                 targets[i].addr);
        return out == OUT_IN_USE ? PROBE_IN_USE : PROBE_ERROR;
    }
    /* A family the host lacks holds no port, but a port that no socket
     * could ask about is not known to be free: -6 where IPv6 is off. */
    if (n && !probed) {
        describe(why, whylen, targets[0].type, targets[0].family,
                 targets[0].addr);
        errno = EAFNOSUPPORT;
        return PROBE_ERROR;
    }
    return PROBE_FREE;
}

/* 1 when fd, a connected TCP socket, is connected to itself (local address
 * and port are the peer's), 0 when not, -1 when getsockname fails. With
 * nothing listening on a port of the ephemeral range, the kernel may pick
 * that very port as the source: the SYN meets itself and TCP's simultaneous
 * open connects the socket to itself, with no listener anywhere. */
static int connected_to_self(int fd, const struct sockaddr_storage *peer)
{
    struct sockaddr_storage me;
    socklen_t len = sizeof(me);
    if (getsockname(fd, (struct sockaddr *)&me, &len) < 0)
        return -1;
    if (me.ss_family != peer->ss_family)
        return 0;
    if (me.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&me;
        const struct sockaddr_in *b = (const struct sockaddr_in *)peer;
        return a->sin_port == b->sin_port &&
               !memcmp(&a->sin_addr, &b->sin_addr, sizeof(a->sin_addr));
    }
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&me;
    const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)peer;
    return a->sin6_port == b->sin6_port &&
           !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr));
}

/* Close a socket connected to itself with a reset (SO_LINGER 0), keeping
 * errno: a FIN would leave its one 4-tuple in TIME_WAIT, and where the
 * ephemeral range is that one port, the next connect of --wait would find
 * no source port free. */
static void close_self_connected(int fd)
{
    int saved = errno;
    struct linger abort_now = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof(abort_now));
    close(fd);
    errno = saved;
}

/* After a TCP connect to addr:port failed with EADDRNOTAVAIL or
 * ENETUNREACH: is it the address that cannot be reached from here? Both
 * errors say so where the family is absent (::1 with IPv6 disabled: no
 * source address; lo down: no route), but EADDRNOTAVAIL also says that
 * TCP has no source port left for this destination, a system failure and
 * no answer. A UDP connect asks the same route and source address without
 * taking a TCP port and sends nothing: when it fails with either error too,
 * the address is unusable here. Keeps errno. */
static bool address_unusable(int family, const unsigned char *addr,
                             unsigned port)
{
    int saved = errno;
    int fd = socket_cloexec(family, SOCK_DGRAM, true);
    bool unusable = false;
    if (fd >= 0) {
        struct sockaddr_storage sa;
        socklen_t len = make_sockaddr(&sa, family, addr, port);
        unusable = connect(fd, (struct sockaddr *)&sa, len) < 0 &&
                   (errno == EADDRNOTAVAIL || errno == ENETUNREACH);
        close_quietly(fd, SOCK_DGRAM);
    }
    errno = saved;
    return unusable;
}

/* Connect to addr:port within timeout_ms: 1 accepted, 0 refused or silent,
 * 2 the family or address is not usable here, -1 error with errno set and
 * *call naming the call that failed ("connect to" follows it). */
static int try_connect(int family, const unsigned char *addr, unsigned port,
                       int timeout_ms, const char **call)
{
    *call = "connect";
    int fd = socket_cloexec(family, SOCK_STREAM, true);
    if (fd < 0)
        return family_missing(errno) ? 2 : -1;
    struct sockaddr_storage sa;
    socklen_t len = make_sockaddr(&sa, family, addr, port);
    int result;
    if (connect(fd, (struct sockaddr *)&sa, len) == 0) {
        result = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int ready = poll(&pfd, 1, timeout_ms);
        int err = 0;
        socklen_t errlen = sizeof(err);
        if (ready < 0)
            result = -1;
        else if (ready == 0)
            result = 0;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
            result = -1;
        else if (err == 0)
            result = 1;
        else if (err == ECONNREFUSED)
            result = 0;
        else {
            errno = err;
            result = -1;
        }
    } else {
        result = errno == ECONNREFUSED ? 0 : -1;
    }
    if (result == 1) {
        int self = connected_to_self(fd, &sa);
        if (self < 0)
            *call = "getsockname of a connection";
        if (self != 0) {
            close_self_connected(fd);
            return self < 0 ? -1 : 0;
        }
    }
    if (result < 0 &&
        (family_missing(errno) ||
         ((errno == ENETUNREACH || errno == EADDRNOTAVAIL) &&
          address_unusable(family, addr, port))))
        result = 2;
    close_quietly(fd, SOCK_STREAM);
    return result;
}

int probe_listening(const struct probe_opts *opts, unsigned port,
                    int timeout_ms, char *why, size_t whylen)
{
    static const unsigned char loop4[4] = {127, 0, 0, 1};
    static const unsigned char loop6[16] = {[15] = 1};
    struct { int family; const unsigned char *addr; } targets[2];
    size_t n = 0;

    if (opts->has_host) {
        targets[n].family = opts->host_family;
        targets[n++].addr = opts->host_addr;
    } else {
        if (opts->ipv4) {
            targets[n].family = AF_INET;
            targets[n++].addr = loop4;
        }
        if (opts->ipv6) {
            targets[n].family = AF_INET6;
            targets[n++].addr = loop6;
        }
    }
    /* timeout_ms bounds the whole call: a later address gets what the
     * earlier ones left, 0 (no wait) when they took it all. */
    int64_t start = n > 1 ? monotonic_ms() : 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ms = i ? start + timeout_ms - monotonic_ms() : timeout_ms;
        const char *call;
        int r = try_connect(targets[i].family, targets[i].addr, port,
                            ms > 0 ? (int)ms : 0, &call);
        if (r == 1) {
            describe(why, whylen, SOCK_STREAM, targets[i].family, targets[i].addr);
            return 1;
        }
        if (r < 0) {
            char text[INET6_ADDRSTRLEN] = "";
            inet_ntop(targets[i].family, targets[i].addr, text, sizeof(text));
            snprintf(why, whylen, "%s to %s port %u", call, text, port);
            return -1;
        }
    }
    return 0;
}
