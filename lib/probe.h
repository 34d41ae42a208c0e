/* SPDX-License-Identifier: Apache-2.0 */
/* probe.h: is a port free, is something listening, and holding a port:
 * the probe core that pick, check, run and the server share, over the
 * kernel's socket diag (lib/sockdiag.c, or sockdiag_none.c off Linux;
 * lib/probe.c, lib/hold.c). */
#ifndef PORTPICKER_PROBE_H
#define PORTPICKER_PROBE_H

#include "lib/ports.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ---- lib/sockdiag.c ---- */

/* Socket states for sockdiag_count, as bits of the kernel's TCP states. */
#define SOCK_STATE_LISTEN (1u << 10)
/* Connections, TIME_WAIT included: every TCP state but LISTEN, CLOSE and
 * bound-but-inactive (a socket that only holds the port). */
#define SOCK_STATES_CONNECTED                                                 \
    ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |  \
     (1u << 8) | (1u << 9) | (1u << 11))
#define SOCK_STATES_ANY 0xffffffffu

/* Count the sockets of protocol (IPPROTO_TCP or IPPROTO_UDP), IPv4 and IPv6,
 * whose local port is port and whose state is one of states, the kernel
 * filtering (NETLINK_SOCK_DIAG). Returns the count, or -1 with errno set
 * when neither family can be asked (not Linux, no diag module). */
int sockdiag_count(int protocol, uint32_t states, unsigned port);

/* ---- lib/probe.c ---- */

/* What "free" means: which protocols and families are probed, and where. */
struct probe_opts {
    bool tcp, udp;      /* at least one is true */
    bool ipv4, ipv6;    /* at least one is true */
    bool has_host;      /* probe host instead of the wildcard addresses */
    int host_family;    /* AF_INET or AF_INET6 when has_host */
    unsigned char host_addr[16]; /* in_addr or in6_addr, network order */
};

enum probe_result {
    PROBE_ERROR = -1, /* errno set, why says which socket call failed */
    PROBE_FREE = 0,
    PROBE_IN_USE = 1,
};

/* One socket a probe or a hold makes: IPv6 first, TCP before UDP. */
struct probe_target {
    int family;                 /* AF_INET6 or AF_INET */
    int type;                   /* SOCK_STREAM or SOCK_DGRAM */
    const unsigned char *addr;  /* opts' host, or NULL for the wildcard */
    bool dual;                  /* IPv6 wildcard with IPV6_V6ONLY off */
};

/* The sockets opts asks for, into out (room for 4); returns how many. With
 * dual, one dual-stack socket per protocol (see probe_dual_stack). */
size_t probe_targets(const struct probe_opts *opts, bool dual,
                     struct probe_target *out);

/* Can a dual-stack socket stand for both families' wildcards? Yes when opts
 * asks for both families on the wildcards and IPv6 is on (Linux). */
bool probe_dual_stack(const struct probe_opts *opts);

/* Fill sa for family (AF_INET or AF_INET6) at addr (network order; NULL:
 * the wildcard) and port; returns its length. */
socklen_t make_sockaddr(struct sockaddr_storage *sa, int family,
                        const unsigned char *addr, unsigned port);

/* A socket for target bound to port; IPv6 sockets are IPv6-only unless
 * dual; reuse sets SO_REUSEADDR; do_listen makes a TCP socket listen.
 * Returns the fd, or -1 with errno set and nothing left open. */
int bind_target(const struct probe_target *target, unsigned port, bool reuse,
                bool do_listen);

/* TCP and UDP, IPv4 and IPv6, on the wildcard addresses. */
void probe_opts_default(struct probe_opts *opts);

/* Parse a numeric IPv4 or IPv6 address (or "localhost") into opts. Returns
 * 0, or -1 with a message in err. */
int probe_opts_set_host(struct probe_opts *opts, const char *host, char *err,
                        size_t errlen);

/* Is port free for every protocol and family opts names? A family the host
 * lacks is skipped; when it lacks all of them, PROBE_ERROR (EAFNOSUPPORT). On PROBE_IN_USE, why says which socket ("tcp ipv6 ::")
 * found it taken; on PROBE_ERROR, which call failed, with errno kept. */
enum probe_result probe_port(const struct probe_opts *opts, unsigned port,
                             char *why, size_t whylen);

/* Does something accept TCP connections on port (at opts' host, else at
 * 127.0.0.1 and ::1)? Waits at most timeout_ms in all, for every address
 * (0: takes only an answer already in). Returns 1, 0, or -1 with errno set
 * and why naming the call. */
int probe_listening(const struct probe_opts *opts, unsigned port,
                    int timeout_ms, char *why, size_t whylen);

/* ---- lib/hold.c ---- */

#define HOLD_MAX_FDS 4

/* Sockets that keep a port reserved. */
struct hold {
    unsigned port;
    int nfds;
    int fds[HOLD_MAX_FDS];
    int udp_fds;        /* how many of fds are UDP, for the take-over test */
};

/* Can a hold let its consumer in and see it take over (Linux)? Where it
 * cannot, every hold fences, whatever hold_port is asked. */
bool hold_hands_over(void);

/* Reserve port for every protocol and family of opts. With fence false,
 * sockets are bound with SO_REUSEADDR and do not listen: our probe and any
 * binder without SO_REUSEADDR see the port taken, while a consumer that sets
 * SO_REUSEADDR can bind and listen at once. With fence true, the TCP sockets
 * listen, as python_portpicker's hold does, and keep everyone out (always,
 * where !hold_hands_over()). Returns 0,
 * or -1 with errno set (nothing left open). */
int hold_port(const struct probe_opts *opts, unsigned port, bool fence,
              struct hold *hold);

/* Has a consumer taken the port over (a TCP listener, or a UDP socket that
 * is not ours)? Linux only; false elsewhere. */
bool hold_taken_over(const struct hold *hold);

void hold_close(struct hold *hold);

#endif
