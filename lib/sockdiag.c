/* SPDX-License-Identifier: Apache-2.0 */
/* sockdiag.c: which sockets Linux has on a port, asked over
 * NETLINK_SOCK_DIAG (what ss(8) uses) instead of reading the /proc/net files.
 *
 * The kernel filters on the port and on the states asked for before it
 * writes anything: a query for listeners walks only the listening hash, and
 * one for UDP only the UDP table, where /proc/net/tcp formats every socket
 * of the host as text (milliseconds on a busy host). The hold asks every
 * 20 ms, so that difference is most of its cost. Without the diag modules
 * queries fail and callers stay conservative, as they do on other systems
 * (sockdiag_none.c). */
#include "portpicker.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

const bool have_sockdiag = true;

/* The kernel's ABI (linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h),
 * written out: musl's toolchain ships no kernel headers. */
enum {
    NETLINK_SOCK_DIAG_PROTO = 4,
    SOCK_DIAG_BY_FAMILY_TYPE = 20,
    NL_REQUEST = 0x1,
    NL_DUMP = 0x300,
    NL_ERROR = 0x2,
    NL_DONE = 0x3,
};

struct nl_header {
    uint32_t len;
    uint16_t type, flags;
    uint32_t seq, pid;
};

struct diag_request {               /* struct inet_diag_req_v2 */
    uint8_t family, protocol, ext, pad;
    uint32_t states;
    uint16_t sport, dport;          /* struct inet_diag_sockid from here */
    uint32_t src[4], dst[4];
    uint32_t ifindex;
    uint32_t cookie[2];
};

/* Messages are 4-byte aligned in a netlink buffer. */
#define NL_ALIGN(len) (((len) + 3u) & ~3u)

/* One netlink socket per process, opened on first use. */
static int diag_fd = -1;
static uint32_t diag_seq;

/* Count the answers to one dump request for family; -1 with errno set. */
static int count_family(int family, int protocol, uint32_t states,
                        unsigned port)
{
    struct {
        struct nl_header nlh;
        struct diag_request req;
    } msg = {
        .nlh = {
            .len = sizeof(msg),
            .type = SOCK_DIAG_BY_FAMILY_TYPE,
            .flags = NL_REQUEST | NL_DUMP,
            .seq = ++diag_seq,
        },
        .req = {
            .family = (uint8_t)family,
            .protocol = (uint8_t)protocol,
            .states = states,
            .sport = htons((uint16_t)port),
        },
    };
    if (send(diag_fd, &msg, sizeof(msg), 0) < 0)
        return -1;
    /* The answers are small (no extensions asked): a few hundred fit. */
    static uint32_t buf[4096];
    int count = 0;
    for (;;) {
        ssize_t got = recv(diag_fd, buf, sizeof(buf), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            errno = got == 0 ? EPROTO : errno;
            return -1;
        }
        for (size_t at = 0; at + sizeof(struct nl_header) <= (size_t)got;) {
            const struct nl_header *h = (const void *)((const char *)buf + at);
            if (h->len < sizeof(*h) || h->len > (size_t)got - at) {
                errno = EPROTO;
                return -1;
            }
            at += NL_ALIGN(h->len);
            if (h->seq != diag_seq)
                continue;       /* left over from a query given up on */
            if (h->type == NL_DONE)
                return count;
            if (h->type == NL_ERROR) {
                int error = h->len >= sizeof(*h) + sizeof(int)
                                ? *(const int *)(h + 1) : -EPROTO;
                errno = error ? -error : EPROTO;
                return -1;
            }
            if (h->type == SOCK_DIAG_BY_FAMILY_TYPE)
                count++;
        }
    }
}

int sockdiag_count(int protocol, uint32_t states, unsigned port)
{
    if (diag_fd < 0)
        diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
                         NETLINK_SOCK_DIAG_PROTO);
    if (diag_fd < 0)
        return -1;
    /* Each family is its own dump: the kernel keeps one per socket. */
    int v4 = count_family(AF_INET, protocol, states, port);
    int saved = errno;
    int v6 = count_family(AF_INET6, protocol, states, port);
    if (v4 < 0 && v6 < 0) {
        errno = saved;
        return -1;
    }
    return (v4 > 0 ? v4 : 0) + (v6 > 0 ? v6 : 0);
}
